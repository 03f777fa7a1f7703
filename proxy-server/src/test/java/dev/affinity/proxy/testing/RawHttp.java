package dev.affinity.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sends bytes exactly as written and reads one response, for the header-level cases a normal client
 * will not produce (hop-by-hop headers, malformed framing, a chosen Host). Bounded by a socket
 * timeout on every read.
 */
public final class RawHttp {

    /** A parsed response: status, headers in order (names as sent), body. */
    public record Response(int status, List<String[]> headers, String body) {
        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    values.add(h[1]);
                }
            }
            return values;
        }
    }

    private RawHttp() {
    }

    /** Writes {@code request} (CRLFs included) and reads one response, the connection closed after. */
    public static Response exchange(String host, int port, String request) throws IOException {
        return exchange(host, port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A client connection, connected within 5 s, whose reads give up after 10 s. */
    public static Socket connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(10_000);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    public static Response exchange(String host, int port, byte[] request) throws IOException {
        try (Socket socket = connect(host, port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return read(socket.getInputStream());
        }
    }

    /**
     * One keep-alive connection: writes each request in turn, after the response to the one before,
     * or all at once when {@code pipelined}, and reads one response per request.
     */
    public static List<Response> exchangeAll(String host, int port, List<String> requests, boolean pipelined)
            throws IOException {
        try (Socket socket = connect(host, port)) {
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            List<Response> responses = new ArrayList<>();
            if (pipelined) {
                socket.getOutputStream().write(String.join("", requests).getBytes(StandardCharsets.ISO_8859_1));
                for (int i = 0; i < requests.size(); i++) {
                    responses.add(read(in));
                }
                return responses;
            }
            for (String request : requests) {
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                responses.add(read(in));
            }
            return responses;
        }
    }

    /** Writes {@code bytes} to the socket as they are, one byte per character (ISO-8859-1). */
    public static void write(Socket socket, String bytes) throws IOException {
        socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /**
     * A head as it came, from its first line up to and including the empty line after its fields, one
     * character per byte; null if the stream ends first. For a scripted member reading a request, or a
     * client that checks a response's bytes.
     */
    public static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            last4 = last4 << 8 | b;
            if (last4 == ('\r' << 24 | '\n' << 16 | '\r' << 8 | '\n')) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** The Content-Length of a {@link #head}, 0 without one. */
    public static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).strip());
            }
        }
        return 0;
    }

    /** Reads one response (status line, headers, body by Content-Length or chunked) from a client socket's stream. */
    public static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("connection closed before a status line");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        List<String[]> headers = new ArrayList<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            headers.add(new String[] {l.substring(0, colon), l.substring(colon + 1).strip()});
        }
        Response head = new Response(status, headers, "");
        byte[] body;
        String length = head.header("Content-Length");
        String encoding = head.header("Transfer-Encoding");
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = chunked(in);
        } else if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else if (status == 204 || status == 304 || status / 100 == 1) {
            body = new byte[0];
        } else {
            body = in.readAllBytes();
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            if (size == null) {
                break;
            }
            int n = Integer.parseInt(size.split(";")[0].strip(), 16);
            if (n == 0) {
                for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
                    // trailers are read and dropped
                }
                break;
            }
            out.write(in.readNBytes(n));
            line(in);
        }
        return out.toByteArray();
    }

    /**
     * One line as it came, without its CRLF (or LF), one character per byte: what came of it if the
     * stream ends within it, null if the stream ends before it.
     */
    public static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
