package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;

/**
 * The head of a member's response, if it is of the common shape that {@link MemberResponseParser}
 * parses itself: copied out of the buffer, checked in one pass, then given to the handler as the
 * events Jetty's {@link HttpParser} would give for it.
 *
 * <p>The common shape is a strict subset of what Jetty accepts, so that parsing the rest with Jetty's
 * parser never changes what is accepted:
 * <ul>
 *   <li>the whole head is in the buffer (at most {@link FieldLines#MAX_HEAD} bytes), its lines ending in CRLF;</li>
 *   <li>the status line is {@code HTTP/1.1} or {@code HTTP/1.0}, a space, a status from 200 to 599 other
 *       than 204 and 304, a space, and a reason of visible ASCII and spaces;</li>
 *   <li>its fields of the common shape ({@link FieldLines}), with exactly one Content-Length, no
 *       Transfer-Encoding and no Host.</li>
 * </ul>
 * For example {@code HTTP/1.1 200 OK}, {@code Server: nginx}, {@code Content-Type: text/plain},
 * {@code Content-Length: 19}, {@code X-Node: node1}; but not a chunked body, a 304, or a 103.
 *
 * <p>The fields are Jetty's, as {@link FieldLines} makes them. One difference the handler cannot
 * see: Jetty makes a field that would parse its value by its compliance mode, here a plain
 * {@link HttpField}; under RFC 7230, which this project's parsers for members' responses use, both
 * read a value the same way.
 *
 * <p>Not thread-safe: one per connection, reused for each response.
 */
final class SimpleResponseHead {

    static final int NOT_SIMPLE = FieldLines.NOT_SIMPLE;
    private final FieldLines fields =
            FieldLines.repeating(EnumSet.of(HttpHeader.TRANSFER_ENCODING, HttpHeader.HOST), HttpField::new);
    private final FieldLines.StartLine statusLine = this::statusLine;
    private HttpVersion version;
    private int status;
    private int reasonFrom;
    private int reasonTo;

    /** The Content-Length of the head {@link #scan} last accepted. */
    long contentLength() {
        return fields.contentLength();
    }

    /** Copies the head and checks it is of the common shape: its length, or NOT_SIMPLE. */
    int scan(ByteBuffer buffer) {
        int length = fields.scan(buffer, FieldLines.MAX_HEAD, statusLine);
        return length < 0 || fields.contentLength() < 0 ? NOT_SIMPLE : length;
    }

    /** Past the status line in {@code b[0, n)}, or NOT_SIMPLE or NEED_MORE. */
    private int statusLine(byte[] b, int n) {
        if (n < 13) {
            return FieldLines.NEED_MORE;
        }
        if (b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/' || b[5] != '1' || b[6] != '.'
                || b[8] != ' ' || b[12] != ' ') {
            return NOT_SIMPLE;
        }
        version = b[7] == '1' ? HttpVersion.HTTP_1_1 : b[7] == '0' ? HttpVersion.HTTP_1_0 : null;
        status = FieldLines.digit(b[9]) * 100 + FieldLines.digit(b[10]) * 10 + FieldLines.digit(b[11]);
        if (version == null || status < 200 || status > 599 || status == 204 || status == 304) {
            return NOT_SIMPLE; // a digit() of a non-digit is negative, so the sum is out of range
        }
        int p = 13;
        while (p < n && b[p] == ' ') {
            p++;
        }
        reasonFrom = p;
        reasonTo = p;
        for (; p < n && b[p] != '\r'; p++) {
            if (b[p] < 0x20 || b[p] > 0x7e) {
                return NOT_SIMPLE;
            }
            if (b[p] != ' ') {
                reasonTo = p + 1;
            }
        }
        return FieldLines.lineEnd(b, p, n);
    }

    /** Gives the handler the status line and each field of the head {@link #scan} accepted. */
    void emit(HttpParser.ResponseHandler handler) {
        int length = reasonTo - reasonFrom;
        // Jetty's: null for none, and "OK" is too common to make anew each time.
        String reason = length == 0 ? null : length == 2 && fields.at(reasonFrom) == 'O' && fields.at(reasonFrom + 1) == 'K'
                ? "OK" : fields.text(reasonFrom, length);
        handler.startResponse(version, status, reason);
        fields.emit(handler);
    }
}
