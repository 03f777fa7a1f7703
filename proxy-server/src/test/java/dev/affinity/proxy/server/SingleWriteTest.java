package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@link SingleWrite} writes reaches the peer whole and in order, and the buffers show what went. */
class SingleWriteTest {

    private final SingleWrite writes = new SingleWrite();
    private ServerSocketChannel server;
    private SocketChannel writer;
    private SocketChannel reader;

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        writer = SocketChannel.open(server.getLocalAddress());
        reader = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        writer.close();
        reader.close();
        server.close();
    }

    @Test
    void aHeadAndASmallBodyGoTogetherAndBothBuffersAreEmptiedAfter() throws IOException {
        ByteBuffer head = direct("HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n");
        ByteBuffer body = ByteBuffer.wrap("hello, from node1!\n".getBytes(StandardCharsets.US_ASCII));
        long written = writes.write(writer, new ByteBuffer[] {head, ByteBuffer.allocate(0), body});
        assertEquals(58, written);
        assertEquals(0, head.remaining());
        assertEquals(0, body.remaining());
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nhello, from node1!\n", read(58));
    }

    @Test
    void buffersWithSomethingAlreadyTakenFromThemGoFromTheirPositions() throws IOException {
        ByteBuffer first = ByteBuffer.wrap("xxabc".getBytes(StandardCharsets.US_ASCII));
        first.position(2);
        ByteBuffer second = direct("yydef");
        second.position(2);
        ByteBuffer third = ByteBuffer.wrap("ghi!!".getBytes(StandardCharsets.US_ASCII));
        third.limit(3);
        assertEquals(9, writes.write(writer, new ByteBuffer[] {first, second, third}));
        assertEquals("abcdefghi", read(9));
        assertEquals(5, first.position());
        assertEquals(5, second.position());
        assertEquals(3, third.position());
        assertEquals(5, third.capacity()); // what lay past the limit stayed
    }

    @Test
    void oneBufferAndNothingAtAllAreWrittenToo() throws IOException {
        assertEquals(0, writes.write(writer, new ByteBuffer[] {ByteBuffer.allocate(0), ByteBuffer.allocate(0)}));
        assertEquals(0, writes.write(writer, new ByteBuffer[0]));
        ByteBuffer one = ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(18, writes.write(writer, new ByteBuffer[] {ByteBuffer.allocate(0), one}));
        assertEquals(0, one.remaining());
        assertEquals("GET / HTTP/1.1\r\n\r\n", read(18));
    }

    @Test
    void writesLargerThanTheCopyGoWholeAsWell() throws IOException {
        byte[] large = pattern(SingleWrite.MAX_COPIED);
        ByteBuffer head = direct("head;");
        ByteBuffer body = ByteBuffer.wrap(large);
        assertEquals(5 + large.length, writes.write(writer, new ByteBuffer[] {head, body}));
        assertEquals(0, head.remaining());
        assertEquals(0, body.remaining());
        assertEquals("head;" + new String(large, StandardCharsets.ISO_8859_1), read(5 + large.length));
    }

    @Test
    void aPartialWriteLeavesTheRestInTheBuffersInOrder() throws IOException {
        // A peer that does not read, and small socket buffers: the writes soon go in part, then not at all.
        writer.configureBlocking(false);
        writer.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
        reader.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        boolean partial = false;
        boolean full = false;
        byte[] chunk = pattern(1000);
        for (int i = 0; i < 10_000 && !full; i++) {
            ByteBuffer a = ByteBuffer.wrap(chunk, 0, 700);
            ByteBuffer b = direct(new String(chunk, 700, 300, StandardCharsets.ISO_8859_1));
            long written = writes.write(writer, new ByteBuffer[] {a, b});
            partial |= written > 0 && written < 1000;
            full = written == 0;
            // What the positions say went, in order, is what must arrive.
            sent.write(chunk, 0, a.position());
            sent.write(chunk, 700, b.position());
            assertEquals(written, a.position() + b.position());
            assertTrue(a.position() == 700 || b.position() == 0, "the second buffer went before the first was done");
        }
        assertTrue(partial, "the socket never took part of a write");
        writer.configureBlocking(true);
        assertEquals(new String(sent.toByteArray(), StandardCharsets.ISO_8859_1), read(sent.size()));
    }

    private String read(int length) throws IOException {
        ByteBuffer into = ByteBuffer.allocate(length);
        while (into.hasRemaining()) {
            if (reader.read(into) < 0) {
                break;
            }
        }
        return new String(into.array(), 0, into.position(), StandardCharsets.ISO_8859_1);
    }

    private static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).put(bytes);
        return buffer.flip();
    }

    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }
}
