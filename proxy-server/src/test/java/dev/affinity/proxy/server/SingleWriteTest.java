package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link SingleWrite} writes reaches the peer whole and in order, with one write of one buffer
 * where it can, and the buffers show what went.
 */
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
        ByteBuffer body = ByteBuffer.wrap(bytes("hello, from node1!\n"));
        long written = writes.write(writer, new ByteBuffer[] {head, ByteBuffer.allocate(0), body});
        assertEquals(58, written);
        assertEquals(0, head.remaining());
        assertEquals(0, body.remaining());
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nhello, from node1!\n", read(58));
    }

    @Test
    void buffersWithSomethingAlreadyTakenFromThemGoFromTheirPositions() throws IOException {
        ByteBuffer first = ByteBuffer.wrap(bytes("xxabc"));
        first.position(2);
        ByteBuffer second = direct("yydef");
        second.position(2);
        ByteBuffer third = ByteBuffer.wrap(bytes("ghi!!"));
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
        ByteBuffer one = ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\n\r\n"));
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
        assertEquals("head;" + text(large), read(5 + large.length));
    }

    @Test
    void aHeadAndASmallBodyAreOneWriteOfOneBufferAndOneBufferIsWrittenAsItIs() throws IOException {
        RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);
        writes.write(channel, new ByteBuffer[] {direct("head"), ByteBuffer.allocate(0), ByteBuffer.wrap(bytes("body"))});
        assertEquals(List.of("write(1 buffer) headbody"), channel.calls);
        channel.calls.clear();
        ByteBuffer request = ByteBuffer.wrap(bytes("request"));
        writes.write(channel, new ByteBuffer[] {ByteBuffer.allocate(0), request});
        assertEquals(List.of("write(1 buffer) request"), channel.calls);
        assertSame(request, channel.lastWritten, "copied first");
    }

    @Test
    void upToTheLimitIsCopiedIntoOneWriteAndPastItGoesAsAGatheringWrite() throws IOException {
        RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);
        byte[] large = pattern(SingleWrite.MAX_COPIED - 5);
        writes.write(channel, new ByteBuffer[] {direct("head;"), ByteBuffer.wrap(large)});
        assertEquals(List.of("write(1 buffer) head;" + text(large)), channel.calls);
        channel.calls.clear();
        writes.write(channel, new ByteBuffer[] {direct("head;!"), ByteBuffer.wrap(large)});
        assertEquals(List.of("write(2 buffers) head;!" + text(large)), channel.calls);
    }

    @Test
    void whateverPartTheSocketTakesTheRestStaysInTheBuffersInOrder() throws IOException {
        String whole = "headbody!";
        for (int taken = 0; taken <= whole.length(); taken++) {
            ByteBuffer head = direct("head");
            ByteBuffer body = ByteBuffer.wrap(bytes("body")).asReadOnlyBuffer();
            ByteBuffer bang = ByteBuffer.wrap(bytes("x!y"), 1, 1);
            RecordingChannel channel = new RecordingChannel(taken);
            assertEquals(taken, writes.write(channel, new ByteBuffer[] {head, body, bang}));
            String left = rest(head) + rest(body) + rest(bang);
            assertEquals(whole.substring(taken), left, "after a write that took " + taken);
            assertEquals(List.of("write(1 buffer) " + whole.substring(0, taken)), channel.calls);
        }
    }

    @Test
    void aClosedSocketSaysSoEvenWithNothingToWrite() throws IOException {
        writer.close();
        assertThrows(ClosedChannelException.class, () -> writes.write(writer, new ByteBuffer[] {ByteBuffer.allocate(0)}));
        assertThrows(ClosedChannelException.class,
                () -> writes.write(writer, new ByteBuffer[] {direct("a"), direct("b")}));
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
        byte[] bytes = bytes(text);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** What is left in the buffer, which stays where it was. */
    private static String rest(ByteBuffer buffer) {
        byte[] left = new byte[buffer.remaining()];
        buffer.duplicate().get(left);
        return text(left);
    }

    /**
     * A socket that records each write, with the bytes it took, and takes at most so many bytes in
     * all: a write the kernel takes only in part, at every length.
     */
    private static final class RecordingChannel extends SocketChannel {
        final List<String> calls = new ArrayList<>();
        ByteBuffer lastWritten;
        private int room;

        RecordingChannel(int room) {
            super(SelectorProvider.provider());
            this.room = room;
        }

        @Override
        public int write(ByteBuffer source) {
            lastWritten = source;
            String taken = take(source);
            calls.add("write(1 buffer) " + taken);
            return taken.length();
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) {
            StringBuilder taken = new StringBuilder();
            for (int i = offset; i < offset + length; i++) {
                taken.append(take(sources[i]));
            }
            calls.add("write(" + length + " buffers) " + taken);
            return taken.length();
        }

        private String take(ByteBuffer source) {
            byte[] bytes = new byte[Math.min(room, source.remaining())];
            source.get(bytes);
            room -= bytes.length;
            return text(bytes);
        }

        @Override
        public int read(ByteBuffer destination) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] destinations, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SocketChannel bind(SocketAddress local) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> SocketChannel setOption(SocketOption<T> name, T value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> T getOption(SocketOption<T> name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return Set.of();
        }

        @Override
        public SocketChannel shutdownInput() {
            return this;
        }

        @Override
        public SocketChannel shutdownOutput() {
            return this;
        }

        @Override
        public Socket socket() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public boolean isConnectionPending() {
            return false;
        }

        @Override
        public boolean connect(SocketAddress remote) {
            return true;
        }

        @Override
        public boolean finishConnect() {
            return true;
        }

        @Override
        public SocketAddress getRemoteAddress() {
            return null;
        }

        @Override
        public SocketAddress getLocalAddress() {
            return null;
        }

        @Override
        protected void implCloseSelectableChannel() {
        }

        @Override
        protected void implConfigureBlocking(boolean block) {
        }
    }
}
