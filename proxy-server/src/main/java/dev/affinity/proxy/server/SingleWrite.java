package dev.affinity.proxy.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Writes what an end point flushes with one {@code write} system call where it can: a single
 * buffer as it is, a few small ones copied together first. Only what is larger goes to the JDK's
 * gathering write.
 *
 * <p>Why: Jetty flushes every write through {@code SocketChannel.write(ByteBuffer[])}, which the JDK
 * always turns into {@code writev}, even for one buffer (a request to a member); a response's head and
 * small body are two. A {@code writev} costs more than a {@code write} of the same bytes, in the JDK
 * (its I/O vector, filled and cleared per call) and in the kernel (the vector copied in, then the
 * VFS's vectored path); HAProxy {@code send}s one buffer. See docs/performance.md, 2026-11-26 01:15.
 *
 * <p>Thread-safe: each thread copies into its own buffer.
 */
final class SingleWrite {

    /** Past this, the copy grows with the bytes while what one system call saves stays the same. */
    static final int MAX_COPIED = 8 * 1024;

    private final ThreadLocal<ByteBuffer> scratch = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_COPIED));

    /**
     * Writes as much of the buffers as the socket takes now, in order, and moves their positions past
     * what was written, as a gathering write does.
     *
     * @return the bytes written
     */
    long write(SocketChannel channel, ByteBuffer[] buffers) throws IOException {
        ByteBuffer only = null;
        int filled = 0;
        long total = 0;
        for (ByteBuffer buffer : buffers) {
            int remaining = buffer.remaining();
            if (remaining > 0) {
                only = buffer;
                filled++;
                total += remaining;
            }
        }
        if (filled == 0) {
            // No system call either, but a closed channel still says so, as Jetty's flush found it.
            return channel.write(buffers);
        }
        if (filled == 1) {
            return channel.write(only);
        }
        if (total > MAX_COPIED) {
            return channel.write(buffers);
        }
        ByteBuffer together = scratch.get();
        together.clear();
        int at = 0;
        for (ByteBuffer buffer : buffers) {
            int remaining = buffer.remaining();
            together.put(at, buffer, buffer.position(), remaining);
            at += remaining;
        }
        together.limit(at);
        int written = channel.write(together);
        int left = written;
        for (ByteBuffer buffer : buffers) {
            int taken = Math.min(left, buffer.remaining());
            buffer.position(buffer.position() + taken);
            left -= taken;
        }
        return written;
    }
}
