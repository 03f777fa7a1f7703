package dev.affinity.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * README's demo command on a machine where the proxy's port is taken, the likeliest first-run
 * problem: the user gets one line that says so, and no stack trace, though both nodes had started
 * (and their session replication with them) before the proxy found its port taken.
 */
class DemoPortTakenIT {

    private static final long EXIT_SECONDS = 60;

    @Test
    void aTakenProxyPortIsOneLineWithoutAStackTrace() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Path logs = Files.createDirectories(Path.of("target", "node-logs"));
            Path log = Files.createTempFile(logs, "demo-port-taken-", ".log");
            Process demo = new ProcessBuilder(List.of(NodeProcess.java(), "-Xmx128m", "-jar",
                    NodeProcess.demoJar().toString(), "--ports", taken.getLocalPort() + ",0,0",
                    "--replication-ports", "0,0"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                assertTrue(demo.waitFor(EXIT_SECONDS, TimeUnit.SECONDS), "the demo did not exit within " + EXIT_SECONDS + " s");
            } finally {
                demo.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(1, demo.exitValue(), output);
            assertTrue(output.contains("affinity-demo: cannot start: a port is already in use"), output);
            assertFalse(output.contains("\tat "), "a stack trace in:\n" + output);
        }
    }
}
