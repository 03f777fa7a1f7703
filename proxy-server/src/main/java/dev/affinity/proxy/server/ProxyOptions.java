package dev.affinity.proxy.server;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The proxy's own answer to an OPTIONS that no member is asked: {@code OPTIONS *} (the server's
 * options, RFC 9110 §9.3.7), and an OPTIONS with no hops left ({@link MaxForwards}). httpd answers
 * both itself, with 200.
 */
final class ProxyOptions {

    /**
     * The methods the answer names: the common ones. The proxy forwards any method but CONNECT, so
     * this list is what most clients look for, not all there is.
     */
    static final String ALLOW = "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH";

    private ProxyOptions() {
    }

    static void answer(Response response, Callback callback) {
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.ALLOW, ALLOW);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
        response.write(true, null, callback);
    }
}
