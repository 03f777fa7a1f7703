package dev.affinity.it.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The file chores of preparing an installation's base directory and reading what it logged. */
public final class FileTree {

    private FileTree() {
    }

    /** Deletes this directory and all below it, if it exists: each test run starts from a fresh base. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(file);
            }
        }
    }

    /** Copies one file, as an operator drops a jar or a WAR into an installation. */
    public static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + from + " to " + to, e);
        }
    }

    /** The text of a log file that the server may still be writing. */
    public static String read(Path file) {
        try {
            // bytes, not readString: a line still being written may end inside a UTF-8 sequence
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }
}
