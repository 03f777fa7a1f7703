package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;

/**
 * A request handler for a parser whose events beyond the head matter to no one: each event does
 * nothing, and none stops the parser, unless a subclass says otherwise.
 */
abstract class RequestHeadEvents implements HttpParser.RequestHandler {

    @Override
    public void startRequest(String method, String uri, HttpVersion version) {
    }

    @Override
    public void parsedHeader(HttpField field) {
    }

    @Override
    public boolean headerComplete() {
        return false;
    }

    @Override
    public boolean content(ByteBuffer item) {
        return false;
    }

    @Override
    public boolean contentComplete() {
        return false;
    }

    @Override
    public boolean messageComplete() {
        return false;
    }

    @Override
    public void earlyEOF() {
    }

    @Override
    public void badMessage(HttpException failure) {
    }
}
