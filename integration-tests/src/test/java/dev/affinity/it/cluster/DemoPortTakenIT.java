package dev.affinity.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The demo command with the proxy's port taken, the likeliest first-run problem (README's command,
 * but with the replication ports picked free, so that the test does not need 4081 and 4082). Both
 * nodes and their session replication start before the proxy finds its port taken; the user then
 * gets one line that says so, and no stack trace.
 */
class DemoPortTakenIT {

    private static final long EXIT_SECONDS = 60;
    private static final String REASON = "affinity-demo: cannot start: a port is already in use";
    /** Tomcat's line as each node's session replication starts. */
    private static final Pattern NODE_STARTS = Pattern.compile("Cluster is about to start");

    @Test
    void aTakenProxyPortIsOneLineWithoutAStackTraceAndNoRetry() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Path log = NodeProcess.newLog("demo-port-taken");
            Path tmp = NodeProcess.newTempDir("demo-port-taken");
            List<String> command = NodeProcess.demoCommand(tmp, "-Xmx256m");
            command.addAll(List.of("--ports", taken.getLocalPort() + ",0,0", "--replication-ports", "0,0"));
            Process demo = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                if (!demo.waitFor(EXIT_SECONDS, TimeUnit.SECONDS)) {
                    fail("the demo did not exit within " + EXIT_SECONDS + " s; its output, " + log + ":\n"
                            + Files.readString(log, StandardCharsets.UTF_8));
                }
            } finally {
                demo.destroyForcibly();
                demo.waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(1, demo.exitValue(), output);
            assertFalse(output.contains("\tat "), "a stack trace in:\n" + output);
            List<String> lines = output.lines().toList();
            assertEquals(1, lines.stream().filter(line -> line.startsWith(REASON)).count(), output);
            assertTrue(lines.get(lines.size() - 1).startsWith(REASON), "the reason comes last:\n" + output);
            // Both nodes started, once: other replication ports would not free the proxy's port.
            Matcher starts = NODE_STARTS.matcher(output);
            assertEquals(2, starts.results().count(), output);
            // And the nodes it started and stopped left none of their files behind.
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), output);
            }
        }
    }
}
