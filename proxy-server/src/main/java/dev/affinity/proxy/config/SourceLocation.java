package dev.affinity.proxy.config;

import static java.util.Objects.requireNonNull;

/** Where a directive was written: the file as the user named it and the 1-based line it starts on. */
public record SourceLocation(String file, int line) {

    public SourceLocation {
        requireNonNull(file, "file");
        if (line < 1) {
            throw new IllegalArgumentException("line must be >= 1: " + line);
        }
    }

    /** For models built in Java rather than read from a file. */
    public static SourceLocation api() {
        return new SourceLocation("(builder)", 1);
    }

    @Override
    public String toString() {
        return file + ":" + line;
    }
}
