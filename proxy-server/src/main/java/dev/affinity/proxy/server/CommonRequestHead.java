package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.ComplianceUtils;
import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.UriCompliance;

/**
 * A request that {@link CommonRequestConnection} serves itself, taken off the connection's buffer
 * only if it is of the common shape: a {@link SimpleRequestHead} (HTTP/1.1, origin-form, one Host,
 * fields of the common shape, no Transfer-Encoding or Upgrade), and besides
 * <ul>
 *   <li>a target that Jetty's own checks let through to its handler (see {@link #passesJettysChecks});</li>
 *   <li>a Host whose name is not blank, as Jetty's {@link HostPortHttpField} reads it;</li>
 *   <li>no {@code Expect};</li>
 *   <li>a body, if any, of at most {@link ArrivedBody#MAX_LENGTH} bytes and all in the buffer.</li>
 * </ul>
 * Anything else is Jetty's to parse and judge, from its first byte: {@link #take} leaves it in the
 * buffer, as it leaves the start of a request of the common shape that the buffer ends in, for the
 * connection to read the rest. The fields are the ones Jetty's parser would give the request, made by the same
 * {@link ClientRequestParser} rules.
 *
 * <p>Not thread-safe: one per connection, reused for each request.
 */
final class CommonRequestHead extends RequestHeadEvents {

    private final SimpleRequestHead simple;
    private final int maxHeadBytes;
    private final HttpCompliance compliance;
    private final UriCompliance uriCompliance;
    private String method;
    private String target;
    /**
     * The fields of the request last looked at, cleared for each. A request taken gets them as an
     * immutable view ({@link #fields}), which keeps their array; the next clear starts a new one.
     */
    private final HttpFields.Mutable fields = HttpFields.build(16);
    private HostPortHttpField host;
    private boolean close;
    private boolean other;
    private HttpURI uri;
    /** The target and Host {@link #uri} was made of. */
    private String uriTarget;
    private HostPortHttpField uriHost;
    private byte[] body;

    /**
     * @param fieldMaker makes the fields Jetty's cache does not hold, as Jetty's request parser makes them
     * @param maxHeadBytes the longest head Jetty's parser accepts (HttpConfiguration's request header size)
     * @param compliance the HTTP compliance mode Jetty checks each request's fields against
     * @param uriCompliance the URI compliance mode Jetty checks each request's target against
     */
    CommonRequestHead(FieldLines.Maker fieldMaker, int maxHeadBytes, HttpCompliance compliance,
                      UriCompliance uriCompliance) {
        // The maker reports to no one (this connection serves no compliance listener), so the fields of
        // a line that repeats from the request before are handed on again: no garbage for them.
        this.simple = SimpleRequestHead.repeating(fieldMaker);
        this.maxHeadBytes = maxHeadBytes;
        this.compliance = compliance;
        this.uriCompliance = uriCompliance;
    }

    /** What {@link #take} found at the buffer's position. */
    enum Found {
        /** A request of the common shape, taken off the buffer. */
        TAKEN,
        /** A request of another shape, or the start of one: Jetty's. */
        OTHER,
        /** The start of a head of the common shape, which the buffer ends in: read more. */
        PART
    }

    /**
     * Takes the request at the buffer's position, head and body, if it is of the common shape and all
     * there; else leaves the buffer as it was. A head cut short that could still be of the common shape
     * is {@link Found#PART} while the buffer, {@code capacity} bytes at most, could hold the rest of it.
     */
    Found take(ByteBuffer buffer, int capacity) {
        // Short of Jetty's limit by one, which Jetty's parser may reach without refusing.
        int headLength = simple.scan(buffer, Math.min(maxHeadBytes - 1, capacity));
        if (headLength == FieldLines.NEED_MORE) {
            return Found.PART;
        }
        if (headLength < 0) {
            return Found.OTHER;
        }
        long contentLength = simple.contentLength();
        // A body still on its way streams to the member as it comes, through Jetty's connection: nothing
        // waits for it here (see ArrivedBody).
        if (contentLength > ArrivedBody.MAX_LENGTH || headLength + Math.max(0, contentLength) > buffer.remaining()) {
            return Found.OTHER;
        }
        method = null;
        target = null;
        fields.clear();
        host = null;
        close = false;
        other = false;
        try {
            simple.emit(this);
        } catch (RuntimeException notCommon) {
            // A field Jetty's parser refuses as it makes it (a Host with a bad port, say): Jetty answers it.
            return Found.OTHER;
        }
        if (other || host == null || host.getHostPort().getHost().isBlank()) {
            return Found.OTHER;
        }
        // The same target and Host objects as the request before (both handed on again when their bytes
        // repeat): the same URI, which is immutable. The method plays no part, as CONNECT is not common.
        if (target != uriTarget || host != uriHost) {
            // As Jetty's HttpConnection completes an origin-form target: the scheme, then the Host's
            // authority, without the scheme's default port.
            try {
                HttpURI.Mutable built = HttpURI.build(method, target);
                built.scheme(HttpScheme.HTTP);
                int port = host.getHostPort().getPort();
                built.authority(host.getHostPort().getHost(), port == HttpScheme.HTTP.getDefaultPort() ? -1 : port);
                uri = built.asImmutable();
            } catch (RuntimeException unreadable) {
                return Found.OTHER; // a target Jetty cannot read (/../x, say): its 400
            }
            uriTarget = target;
            uriHost = host;
        }
        if (!passesJettysChecks(uri)) {
            return Found.OTHER;
        }
        buffer.position(buffer.position() + headLength);
        body = null;
        if (contentLength >= 0) {
            body = new byte[(int) contentLength];
            buffer.get(body);
        }
        return Found.TAKEN;
    }

    /**
     * Whether Jetty lets the request through to its handler, as it checks each request first: a URI
     * whose violations (an encoded slash, say) its URI compliance mode allows, and fields its HTTP
     * compliance mode allows (a Host with two values, say). A request Jetty refuses is Jetty's to
     * answer, with its 400. (Jetty's check that the path starts with a slash holds here: the target does.)
     */
    private boolean passesJettysChecks(HttpURI checked) {
        try {
            if (checked.hasViolations()) {
                ComplianceUtils.verify(uriCompliance, checked, null, IllegalArgumentException::new);
            }
            if (!hostIsPlain()) {
                ComplianceUtils.verify(checked, fields, compliance, null);
            }
            return true;
        } catch (RuntimeException refused) {
            return false;
        }
    }

    /**
     * Whether Jetty's checks of the fields must let them through, without running them. In a head of
     * the common shape (one Host, at most one Content-Length of digits alone, no Transfer-Encoding)
     * they can refuse only a Host of several values or a blank one, or whose authority is not the
     * target's. The target's authority is made of the Host's host and port ({@link #take}), so Jetty's
     * comparison of the two always holds; and a Host value without a comma, quote or semicolon is one
     * value, not blank (its host is not: {@link #take} checked). Any other Host goes through Jetty's
     * own checks.
     *
     * <p>Why: Jetty's checks split the Host's value (QuotedCSV) and build the target's authority once
     * for each field: a fifth of all the proxy allocated per small request (docs/performance.md,
     * 2026-11-26 10:45 UTC).
     */
    private boolean hostIsPlain() {
        String value = host.getValue();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' || c == '"' || c == ';') {
                return false;
            }
        }
        return true;
    }

    String method() {
        return method;
    }

    /** The target as Jetty's HttpConnection completes it: {@code http://host:port/path?query}. */
    HttpURI uri() {
        return uri;
    }

    HttpFields fields() {
        return fields.asImmutable();
    }

    /** The body, all of it, or null for a request without a Content-Length. */
    byte[] body() {
        return body;
    }

    /** Whether the request's Connection header says close. */
    boolean close() {
        return close;
    }

    @Override
    public void startRequest(String method, String uri, HttpVersion version) {
        this.method = method;
        this.target = uri;
    }

    @Override
    public void parsedHeader(HttpField field) {
        HttpHeader header = field.getHeader();
        if (header == HttpHeader.HOST) {
            host = field instanceof HostPortHttpField hostPort ? hostPort : null;
        } else if (header == HttpHeader.CONNECTION) {
            // As Jetty's HttpConnection reads it: any close among the header's values.
            close |= field.contains(HttpHeaderValue.CLOSE.asString());
        } else if (header == HttpHeader.EXPECT) {
            // 100-continue, and the 417 of any other expectation, are Jetty's.
            other = true;
        }
        fields.add(field);
    }
}
