package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A request's {@code Max-Forwards}, as httpd's mod_proxy reads it: the proxy counts itself as a hop, so
 * the member gets the value one lower; at 0 the request goes no further. There, as RFC 9110 asks, the
 * proxy answers an OPTIONS or a TRACE itself, and, as httpd does, any other method with 400 (a proxy
 * loop, most likely). A value that is not one number of hops is 400 too. Without the header, nothing
 * is added (httpd's ProxyMaxForwards default, -1).
 */
final class MaxForwards {

    /** The request has no Max-Forwards. */
    static final long NONE = -1;
    /** The request's Max-Forwards is not one number (letters, a list, a second field, too many digits). */
    static final long INVALID = -2;

    /** Fields a TRACE's echo leaves out, as RFC 9110 advises: credentials a page could read through it. */
    private static final Set<HttpHeader> NOT_ECHOED =
            EnumSet.of(HttpHeader.COOKIE, HttpHeader.AUTHORIZATION, HttpHeader.PROXY_AUTHORIZATION);

    private MaxForwards() {
    }

    /** The hops left, {@link #NONE} or {@link #INVALID}. */
    static long of(HttpFields headers) {
        // By index, as the rest of the request path reads fields: no iterator per request.
        int at = Fields.next(headers, HttpHeader.MAX_FORWARDS, 0);
        if (at < 0) {
            return NONE;
        }
        if (Fields.next(headers, HttpHeader.MAX_FORWARDS, at + 1) >= 0) {
            return INVALID;
        }
        String value = headers.getField(at).getValue();
        // 18 digits fit a long; httpd takes up to 2^63-1, and no request is 10^18 hops from its origin.
        if (value.isEmpty() || value.length() > 18) {
            return INVALID;
        }
        long hops = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return INVALID;
            }
            hops = hops * 10 + (c - '0');
        }
        return hops;
    }

    /** Whether the request goes no further: no hops left, or a value that is none. */
    static boolean stopsHere(long hops) {
        return hops == 0 || hops == INVALID;
    }

    /** The value the member is sent, one hop less; null when the client sent none. */
    static String forwarded(long hops) {
        return hops > 0 ? Long.toString(hops - 1) : null;
    }

    /** Answers a request that {@link #stopsHere}. */
    static void answer(long hops, Request request, Response response, Callback callback) {
        if (hops == INVALID) {
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400,
                    "Max-Forwards must be one number of hops, 0 or more: '"
                            + String.join(", ", request.getHeaders().getValuesList(HttpHeader.MAX_FORWARDS)) + "'");
        } else if (HttpMethod.OPTIONS.is(request.getMethod())) {
            ProxyOptions.answer(response, callback);
        } else if (HttpMethod.TRACE.is(request.getMethod())) {
            byte[] echo = echo(request).getBytes(StandardCharsets.ISO_8859_1);
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "message/http");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, echo.length);
            response.write(true, ByteBuffer.wrap(echo), callback);
        } else {
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400,
                    "Max-Forwards has reached zero: the request may go no further (a proxy loop?)");
        }
    }

    /** The request as it reached the proxy, its credentials left out: a TRACE's answer at its last hop. */
    private static String echo(Request request) {
        StringBuilder out = new StringBuilder(256).append(request.getMethod()).append(' ')
                .append(request.getHttpURI().getPathQuery()).append(' ')
                .append(request.getConnectionMetaData().getProtocol()).append("\r\n");
        for (HttpField field : request.getHeaders()) {
            // Unknown names have no header: EnumSet answers false for null, where Set.of throws.
            if (!NOT_ECHOED.contains(field.getHeader())) {
                out.append(field.getName()).append(": ").append(field.getValue()).append("\r\n");
            }
        }
        return out.append("\r\n").toString();
    }
}
