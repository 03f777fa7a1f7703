package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;

/**
 * Parses a member's responses for {@link BackendConnection}, giving its handler the events Jetty's
 * {@link HttpParser} gives, in the same order. A response of the common shape
 * ({@link SimpleResponseHead}: a small head with a Content-Length, as nginx, Tomcat or Jetty send
 * for most answers) is parsed here: its head in one pass, its body counted out of the buffers. Any
 * other (1xx, 204 and 304 answers, chunked or close-delimited bodies, the answer to HEAD, a head split
 * across reads, anything malformed) goes, whole, to Jetty's parser, which also decides what is
 * malformed.
 *
 * <p>Why not Jetty's parser for every response: it reads a head one byte at a time through its state
 * machine, and looks each field up, character by character, in a trie of some 300 common fields. On a
 * member's small answer (six fields, a 19-byte body) that was a fifth of the proxy's user time per
 * request (async-profiler, bench scenario sticky-64), the largest single item in it; see
 * docs/performance.md, 2026-11-25 15:47 UTC.
 *
 * <p>Not thread-safe: one per connection, used by the thread parsing it.
 */
final class MemberResponseParser {

    private final HttpParser.ResponseHandler handler;
    /** Made for the first response that needs it: most connections never do. */
    private HttpParser jetty;
    /** Whether Jetty's parser has the response in progress. */
    private boolean withJetty;
    private boolean headResponse;
    private boolean eof;
    private final SimpleResponseHead simple = new SimpleResponseHead();
    private final Runnable emitHead;
    /**
     * The response parsed here. A handler's failure before its head is handed on is reported as a 502;
     * Jetty's report would carry the member's status, which its exception's constructor asserts is an
     * error. The handler reads only the reason.
     */
    private final SimpleMessage message;

    MemberResponseParser(HttpParser.ResponseHandler handler) {
        this.handler = handler;
        this.emitHead = () -> simple.emit(handler);
        this.message = new SimpleMessage(handler, HttpStatus.BAD_GATEWAY_502, "Bad Response");
    }

    /** Jetty's parser as this project sets it up for a member's responses. */
    static HttpParser jettyParser(HttpParser.ResponseHandler handler) {
        HttpParser parser = new HttpParser(handler, -1, HttpCompliance.RFC7230);
        // No header cache per connection, as on the clients' side (AffinityProxy): memory for each one.
        parser.setHeaderCacheSize(0);
        return parser;
    }

    /**
     * Ready for the next response, as {@link HttpParser#reset()}: not after a failure or the member's
     * close, which end the connection.
     */
    void reset() {
        if (withJetty) {
            if (jetty.isTerminated()) {
                return;
            }
            jetty.reset();
            withJetty = false;
        } else if (message.ended()) {
            return;
        }
        message.reset();
        headResponse = false;
        eof = false;
    }

    void setHeadResponse(boolean head) {
        headResponse = head;
        if (jetty != null) {
            jetty.setHeadResponse(head);
        }
    }

    void atEOF() {
        eof = true;
        if (jetty != null) {
            jetty.atEOF();
        }
    }

    long getContentLength() {
        return withJetty ? jetty.getContentLength() : message.contentLength();
    }

    long getContentRead() {
        return withJetty ? jetty.getContentRead() : message.contentRead();
    }

    /** Whether the response in progress went to Jetty's parser (for the tests of which shapes do). */
    boolean parsingWithJetty() {
        return withJetty;
    }

    /** As {@link HttpParser#parseNext(ByteBuffer)}: true when a handler method returned true. */
    boolean parseNext(ByteBuffer buffer) {
        if (withJetty) {
            return jetty.parseNext(buffer);
        }
        return message.state() == HttpParser.State.START ? start(buffer) : message.parseNext(buffer, eof);
    }

    /** A new response: its head parsed here if of the common shape, else the whole of it by Jetty's parser. */
    private boolean start(ByteBuffer buffer) {
        if (!buffer.hasRemaining() && !eof) {
            handler.messageBegin();
            return false;
        }
        int headLength = headResponse || eof ? SimpleResponseHead.NOT_SIMPLE : simple.scan(buffer);
        if (headLength < 0) {
            if (jetty == null) {
                jetty = jettyParser(handler);
            }
            jetty.setHeadResponse(headResponse);
            if (eof) {
                jetty.atEOF();
            }
            withJetty = true;
            return jetty.parseNext(buffer);
        }
        return message.begin(buffer, headLength, simple.contentLength(), emitHead);
    }
}
