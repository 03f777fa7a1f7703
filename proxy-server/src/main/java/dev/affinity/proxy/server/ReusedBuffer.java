package dev.affinity.proxy.server;

import java.nio.ByteBuffer;

/**
 * A heap buffer reused for one write after another, so that writing leaves nothing for the
 * collector: each {@link #take} hands out the kept buffer, cleared, while what is to be written fits,
 * and makes a new one when it does not. A buffer larger than the limit is made for that write alone,
 * so a rare large request does not stay held.
 *
 * <p>Not thread-safe: its owner takes a buffer only once the write from the last one has completed.
 */
final class ReusedBuffer {

    private final int keptBytes;
    private ByteBuffer kept;

    /** @param keptBytes the largest buffer kept for the next write */
    ReusedBuffer(int keptBytes) {
        this.keptBytes = keptBytes;
    }

    /**
     * A buffer with room for at least {@code length} bytes from its position 0: the kept one if it is
     * large enough. When it is not, a new one, kept unless over the limit; a kept one grows at least to
     * twice the size before (up to the limit), so that writes growing a little each time do not each
     * make a buffer.
     */
    ByteBuffer take(int length) {
        if (kept != null && kept.capacity() >= length) {
            return kept.clear();
        }
        if (length > keptBytes) {
            return ByteBuffer.allocate(length);
        }
        kept = ByteBuffer.allocate(kept == null ? length : Math.min(keptBytes, Math.max(length, 2 * kept.capacity())));
        return kept;
    }
}
