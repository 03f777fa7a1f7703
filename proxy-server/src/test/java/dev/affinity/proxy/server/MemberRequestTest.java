package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpGenerator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.junit.jupiter.api.Test;

class MemberRequestTest {

    private static String written(MemberRequest request) {
        ByteBuffer buffer = ByteBuffer.allocate(request.length());
        request.writeTo(buffer);
        buffer.flip();
        return StandardCharsets.ISO_8859_1.decode(buffer).toString();
    }

    @Test
    void writesTheRequestLineTheFieldsAndTheBodyAsHttpClientWould() {
        HttpFields fields = HttpFields.build()
                .add(HttpHeader.HOST, "a:8080")
                .add("X-Custom", "one, two")
                .add(HttpHeader.CONTENT_LENGTH, 5);
        MemberRequest request = MemberRequest.of("POST", "/cart?x=1", fields, "hello".getBytes(StandardCharsets.US_ASCII));
        String written = written(request);
        assertEquals("POST /cart?x=1 HTTP/1.1\r\nHost: a:8080\r\nX-Custom: one, two\r\nContent-Length: 5\r\n\r\nhello", written);
        assertEquals(written.length(), request.length(), "counted exactly for ASCII");
    }

    @Test
    void withoutABodyTheHeadEndsTheRequest() {
        MemberRequest request = MemberRequest.of("GET", "/", HttpFields.build().add(HttpHeader.HOST, "a"), null);
        assertEquals("GET / HTTP/1.1\r\nHost: a\r\n\r\n", written(request));
    }

    /**
     * Never reached from the proxy, which encodes a target before it gets here; kept as
     * {@code getBytes(US_ASCII)} wrote it all the same: '?' for each character ASCII cannot hold, one
     * for a surrogate pair.
     */
    @Test
    void aTargetAsciiCannotHoldIsWrittenAsTheAsciiEncoderWritesIt() {
        String target = "/caf\u00e9/\uD83D\uDE00/x";
        MemberRequest request = MemberRequest.of("GET", target, HttpFields.build().add(HttpHeader.HOST, "a"), null);
        String written = written(request);
        assertEquals("GET " + new String(target.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII)
                + " HTTP/1.1\r\nHost: a\r\n\r\n", written);
        assertTrue(written.startsWith("GET /caf?/?/x "), written);
        assertTrue(request.length() >= written.length(), "at least the bytes written");
    }

    /** As the proxy wrote a request before MemberRequest: each piece encoded, then Jetty's generator for the fields. */
    private static String writtenAsBefore(String method, String target, HttpFields.Mutable fields, byte[] body) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        buffer.put(method.getBytes(StandardCharsets.US_ASCII)).put((byte) ' ');
        buffer.put(target.getBytes(StandardCharsets.US_ASCII)).put(" HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        HttpGenerator.putTo(fields, buffer);
        if (body != null) {
            buffer.put(body);
        }
        buffer.flip();
        return StandardCharsets.ISO_8859_1.decode(buffer).toString();
    }

    /**
     * The same bytes as before, whatever the fields: a known header under a name spelled otherwise, a
     * pre-encoded field, values with line ends or characters past Latin-1, a name Jetty must sanitise.
     */
    @Test
    void writesTheSameBytesAsTheProxyWroteBefore() {
        List<HttpFields.Mutable> fieldSets = List.of(
                HttpFields.build().add(HttpHeader.HOST, "a"),
                HttpFields.build().add("content-type", "text/plain").add("HOST", "b:1"),
                HttpFields.build().add(new PreEncodedHttpField(HttpHeader.VIA, "1.1 affinity")).add("X-Pre", "1"),
                HttpFields.build().add("X-Lines", "one\r\ntwo\nthree").add("X-Wide", "caf\u00e9 \u20ac \uD83D\uDE00"),
                HttpFields.build().add("X-Caf\u00e9", "v").add("X-Empty", ""),
                HttpFields.build());
        List<String> targets = List.of("/", "/a/b?c=d&e", "/caf\u00e9?\uD83D\uDE00=1");
        for (HttpFields.Mutable fields : fieldSets) {
            for (String target : targets) {
                for (byte[] body : new byte[][] {null, {}, "hello\r\n".getBytes(StandardCharsets.US_ASCII)}) {
                    MemberRequest request = MemberRequest.of("PATCH", target, fields, body);
                    String written = written(request);
                    assertEquals(writtenAsBefore("PATCH", target, fields, body), written, fields + " " + target);
                    assertTrue(request.length() >= written.length(), "at least the bytes written: " + fields);
                }
            }
        }
    }
}
