package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;

/**
 * The head of a client's request, if it is of the common shape that {@link ClientRequestParser}
 * parses itself: copied out of the buffer, checked in one pass, then given to the handler as the
 * events Jetty's {@link HttpParser} would give for it.
 *
 * <p>The common shape is a strict subset of what Jetty accepts, so that parsing the rest with Jetty's
 * parser never changes what is accepted or rejected:
 * <ul>
 *   <li>the whole head is in the buffer, within the parser's limit, its lines ending in CRLF;</li>
 *   <li>the request line is one of the methods below, a space, a path of visible ASCII starting with
 *       {@code /}, a space, and {@code HTTP/1.1};</li>
 *   <li>its fields of the common shape ({@link FieldLines}), with exactly one Host, not empty, at most
 *       one Content-Length, and no Transfer-Encoding or Upgrade.</li>
 * </ul>
 * For example {@code GET /cart?id=7 HTTP/1.1}, {@code Host: shop.example:8080},
 * {@code Cookie: BALANCEID=balancer.node1}; but not HTTP/1.0, a chunked body, {@code CONNECT}, an
 * absolute URI, or a head that a read cut in two.
 *
 * <p>Not thread-safe: one per connection, reused for each request.
 */
final class SimpleRequestHead {

    /** The methods of the common shape, each with the space after it; not CONNECT, nor HTTP/2's PRI. */
    private static final HttpMethod[] METHODS = {
        HttpMethod.GET, HttpMethod.POST, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.OPTIONS,
        HttpMethod.PATCH,
    };
    private static final byte[][] METHOD_BYTES = methodBytes();
    private static final byte[] VERSION = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

    /** What leaves a head not of the common shape, among the fields. */
    private static final Set<HttpHeader> REFUSED =
            Collections.unmodifiableSet(EnumSet.of(HttpHeader.TRANSFER_ENCODING, HttpHeader.UPGRADE));

    private final FieldLines fields;
    private final FieldLines.StartLine requestLine = this::requestLine;
    private HttpMethod method;
    private int targetFrom;
    private int targetTo;
    /** The target given to the handler last, or null before the first. */
    private String lastTarget;

    /** @param maker makes the fields Jetty's cache does not hold, as Jetty's request parser makes them */
    SimpleRequestHead(FieldLines.Maker maker) {
        this(new FieldLines(REFUSED, maker));
    }

    private SimpleRequestHead(FieldLines fields) {
        this.fields = fields;
    }

    /**
     * Heads whose fields repeat from one request to the next on a connection ({@link
     * FieldLines#repeating}): for a maker that reports to no one, so that a field handed on again
     * stands for the one it would make anew.
     */
    static SimpleRequestHead repeating(FieldLines.Maker maker) {
        return new SimpleRequestHead(FieldLines.repeating(REFUSED, maker));
    }

    /** The Content-Length of the head {@link #scan} last accepted, or -1 for none. */
    long contentLength() {
        return fields.contentLength();
    }

    /**
     * Copies the head and checks it is of the common shape, at most {@code limit} bytes long: its length,
     * or {@link FieldLines#NOT_SIMPLE}, or {@link FieldLines#NEED_MORE} for the start of one that the
     * buffer ends in.
     */
    int scan(ByteBuffer buffer, int limit) {
        if (limit <= 0) {
            return FieldLines.NOT_SIMPLE;
        }
        int length = fields.scan(buffer, Math.min(limit, FieldLines.MAX_HEAD), requestLine);
        if (length < 0) {
            return length;
        }
        // An empty Host is Jetty's to judge: it makes no HostPortHttpField of it.
        return fields.hasHost() ? length : FieldLines.NOT_SIMPLE;
    }

    /** Past the request line in {@code b[0, n)}, or NOT_SIMPLE or NEED_MORE. */
    private int requestLine(byte[] b, int n) {
        int p = method(b, n);
        if (p < 0) {
            return p;
        }
        targetFrom = p;
        if (p < n && b[p] != '/') {
            return FieldLines.NOT_SIMPLE;
        }
        while (p < n && b[p] > 0x20 && b[p] < 0x7f) {
            p++;
        }
        targetTo = p;
        // What is here of the version must be the start of it: HTTP/0.9's line end, say, is not.
        int here = Math.min(VERSION.length, n - p);
        for (int i = 0; i < here; i++) {
            if (b[p + i] != VERSION[i]) {
                return FieldLines.NOT_SIMPLE;
            }
        }
        return here < VERSION.length ? FieldLines.NEED_MORE : p + VERSION.length;
    }

    /** Past the method and its space, or NOT_SIMPLE or NEED_MORE. */
    private int method(byte[] b, int n) {
        for (int m = 0; m < METHODS.length; m++) {
            byte[] bytes = METHOD_BYTES[m];
            int i = 0;
            while (i < bytes.length && i < n && b[i] == bytes[i]) {
                i++;
            }
            if (i == bytes.length) {
                method = METHODS[m];
                return i;
            }
            if (i == n) {
                return FieldLines.NEED_MORE;
            }
        }
        return FieldLines.NOT_SIMPLE;
    }

    /** Gives the handler the request line and each field of the head {@link #scan} accepted. */
    void emit(HttpParser.RequestHandler handler) {
        // A connection's requests often repeat their target (a client polling one URL): the same
        // string again then, no garbage for it (strings are immutable), and the same object tells the
        // handler it is the same target.
        lastTarget = fields.sameTextOrNew(lastTarget, targetFrom, targetTo);
        handler.startRequest(method.asString(), lastTarget, HttpVersion.HTTP_1_1);
        fields.emit(handler);
    }

    private static byte[][] methodBytes() {
        byte[][] bytes = new byte[METHODS.length][];
        for (int m = 0; m < METHODS.length; m++) {
            bytes[m] = (METHODS[m].asString() + " ").getBytes(StandardCharsets.US_ASCII);
        }
        return bytes;
    }
}
