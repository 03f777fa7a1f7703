package dev.affinity.demo.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A demo node removes its temporary directory when it closes, and no later node brings it back. */
class DemoNodeTest {

    /** This test's own route names, so that only its nodes' directories are looked for. */
    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
    private String home;

    @BeforeEach
    void asIfFirstInTheJvm() {
        // Tomcat reads catalina.home from the first embedded Tomcat in the JVM: start as if this test's were.
        home = System.clearProperty("catalina.home");
    }

    @AfterEach
    void restore() {
        if (home != null) {
            System.setProperty("catalina.home", home);
        }
    }

    @Test
    void aNodeStartedAfterAnotherClosedDoesNotBringItsDirectoryBack() throws Exception {
        DemoNode first = DemoNode.start(prefix + "a", "127.0.0.1", 0, Optional.empty());
        try (DemoNode second = DemoNode.start(prefix + "b", "127.0.0.1", 0, Optional.empty())) {
            first.close();
            try (DemoNode third = DemoNode.start(prefix + "c", "127.0.0.1", 0, Optional.empty())) {
                assertEquals(List.of(prefix + "b", prefix + "c"), List.of(second.route(), third.route()));
            }
        }
        assertEquals(List.of(), leftBehind());
    }

    private List<Path> leftBehind() throws IOException {
        try (Stream<Path> all = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return all.filter(p -> p.getFileName().toString().startsWith("affinity-demo-" + prefix)).toList();
        }
    }
}
