package dev.affinity.proxy.cli;

import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A deterministic pseudo-random body of any length, generated as it is read and never held: the
 * same seed and length give the same bytes however the reads are sized. The bytes are xorshift64
 * output, so a lost, repeated or reordered chunk changes the digest.
 *
 * <p>Not thread-safe: one reader.
 */
final class GeneratedBody extends InputStream {

    private static final int BLOCK = 64 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final long length;
    private final byte[] block = new byte[BLOCK];
    private long state;
    private long position;
    private int inBlock = BLOCK;

    GeneratedBody(long seed, long length) {
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
        this.length = length;
    }

    /** The digest of the whole body, computed by generating it once more. */
    static BodyDigest digestOf(long seed, long length) {
        BodyDigest digest = new BodyDigest();
        byte[] buffer = new byte[BLOCK];
        try (GeneratedBody body = new GeneratedBody(seed, length)) {
            for (int n; (n = body.read(buffer, 0, buffer.length)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return digest;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (position == length) {
            return -1;
        }
        if (inBlock == BLOCK) {
            nextBlock();
        }
        int n = (int) Math.min(Math.min(len, BLOCK - inBlock), length - position);
        System.arraycopy(block, inBlock, b, off, n);
        inBlock += n;
        position += n;
        return n;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int available() {
        return (int) Math.min(BLOCK - inBlock, length - position);
    }

    @Override
    public void close() {
    }

    private void nextBlock() {
        long x = state;
        for (int i = 0; i < BLOCK; i += Long.BYTES) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            LONGS.set(block, i, x);
        }
        state = x;
        inBlock = 0;
    }
}
