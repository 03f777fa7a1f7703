package dev.affinity.proxy.server;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpGenerator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.BufferUtil;

/**
 * Immutable. A request to a member as {@link BackendLeg} prepared it, not yet written: its request
 * line, its fields and its whole body, if any, with the bytes they take. The connection that sends it
 * writes it into a buffer of its own ({@link BackendConnection}), reused from one request to the next.
 */
final class MemberRequest {

    private static final byte[] HTTP_1_1 = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

    private final String method;
    private final String target;
    private final HttpFields fields;
    private final byte[] body;
    private final int length;

    private MemberRequest(String method, String target, HttpFields fields, byte[] body) {
        this.method = requireNonNull(method, "method");
        this.target = requireNonNull(target, "target");
        this.fields = requireNonNull(fields, "fields");
        this.body = body;
        this.length = length(method, target, fields, body);
    }

    /**
     * @param method the method, as the client sent it
     * @param target the request target, as it goes on the request line
     * @param fields the fields, which whoever made them no longer changes
     * @param body   the whole body, or null for none; shared, not copied, and never changed
     */
    static MemberRequest of(String method, String target, HttpFields fields, byte[] body) {
        return new MemberRequest(method, target, fields, body);
    }

    /** At least the bytes {@link #writeTo} writes (see {@link #length(String, String, HttpFields, byte[])}). */
    int length() {
        return length;
    }

    /**
     * The bytes written for this request line, these fields and the body, counted as Jetty's
     * HttpGenerator writes them: a known field under its header's own spelling, and one byte for each
     * character of a name or value (a space or a '.' where it cannot write the character). At least the
     * bytes written: a surrogate pair in a name Jetty encoded ahead of time becomes one '?', counted as two.
     */
    private static int length(String method, String target, HttpFields fields, byte[] body) {
        int length = method.length() + 1 + target.length() + HTTP_1_1.length + 2;
        // By index: MutableHttpFields hands out its fields without an iterator.
        for (int i = 0; i < fields.size(); i++) {
            HttpField field = fields.getField(i);
            HttpHeader header = field.getHeader();
            String value = field.getValue();
            length += (header != null ? header.asString() : field.getName()).length() + 2
                    + (value == null ? 0 : value.length()) + 2;
        }
        return length + (body == null ? 0 : body.length);
    }

    /**
     * Writes the request into the buffer, from its position: the request line, the fields and the
     * empty line that ends them (as HttpClient would send them), then the body. The buffer has at
     * least {@link #length()} bytes left.
     */
    void writeTo(ByteBuffer buffer) {
        putAscii(method, buffer);
        buffer.put((byte) ' ');
        putAscii(target, buffer);
        buffer.put(HTTP_1_1);
        // As HttpGenerator.putTo(HttpFields.Mutable, ByteBuffer) writes them, by index.
        for (int i = 0; i < fields.size(); i++) {
            HttpGenerator.putTo(fields.getField(i), buffer);
        }
        BufferUtil.putCRLF(buffer);
        if (body != null) {
            buffer.put(body);
        }
    }

    /**
     * Puts the text as {@code getBytes(US_ASCII)} encodes it, without making the array: each ASCII
     * character as itself, and from the first other one on, the encoder's bytes for the rest ('?' for
     * each character it cannot encode, one for a whole surrogate pair).
     */
    private static void putAscii(String text, ByteBuffer buffer) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                buffer.put(text.substring(i).getBytes(StandardCharsets.US_ASCII));
                return;
            }
            buffer.put((byte) c);
        }
    }
}
