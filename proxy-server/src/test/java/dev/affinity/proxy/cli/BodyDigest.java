package dev.affinity.proxy.cli;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Byte count and SHA-256 of a body, updated as the body streams past. Its text form,
 * {@code bytes=1073741824 sha256=5f1c...}, is what the test backend answers and the test compares.
 *
 * <p>Thread-safe: the HTTP client may feed it from one thread and the test read it from another.
 */
final class BodyDigest {

    private final MessageDigest sha256;
    private long bytes;
    private String hex;

    BodyDigest() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    synchronized void update(byte[] b, int off, int len) {
        sha256.update(b, off, len);
        bytes += len;
    }

    synchronized void update(ByteBuffer buffer) {
        bytes += buffer.remaining();
        sha256.update(buffer);
    }

    synchronized long bytes() {
        return bytes;
    }

    /** Finishes the digest: no update after the first call. */
    @Override
    public synchronized String toString() {
        if (hex == null) {
            hex = HexFormat.of().formatHex(sha256.digest());
        }
        return "bytes=" + bytes + " sha256=" + hex;
    }
}
