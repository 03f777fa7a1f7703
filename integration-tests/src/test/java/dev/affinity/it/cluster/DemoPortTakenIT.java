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
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The demo command with one of its ports taken, the likeliest first-run problem (README's command,
 * with the other ports picked free, so that the test needs none of 8080-8082, 4081 and 4082). The
 * demo looks at its ports before it starts anything: the user gets one line that names the port and
 * whose it is, no stack trace (Tomcat would print its own, had a node tried to bind it), and nothing
 * started is left behind.
 */
class DemoPortTakenIT {

    private static final long EXIT_SECONDS = 60;
    private static final String REASON = ": cannot start: a port is already in use: ";
    /** Tomcat's line as each node's session replication starts. */
    private static final Pattern NODE_STARTS = Pattern.compile("Cluster is about to start");

    @ParameterizedTest
    @CsvSource({
            "'--ports {0},0,0 --replication-ports 0,0', affinity-demo, the proxy",
            "'--ports 0,0,{0} --replication-ports 0,0', affinity-demo, node2",
            "'--ports 0,0,0 --replication-ports {0},0', affinity-demo, node1's session replication",
            "'node --route node1 --port 0 --replication-port {0}', affinity-demo node, node1's session replication"})
    void aTakenPortIsOneLineNamingItWithoutAStackTrace(String options, String command, String owner) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Path log = NodeProcess.newLog("demo-port-taken");
            Path tmp = NodeProcess.newTempDir("demo-port-taken");
            List<String> demoCommand = NodeProcess.demoCommand(tmp, "-Xmx256m");
            for (String option : options.split(" ")) {
                demoCommand.add(option.replace("{0}", String.valueOf(taken.getLocalPort())));
            }
            Process demo = new ProcessBuilder(demoCommand).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
            String reason = command + REASON;
            assertEquals(1, lines.stream().filter(line -> line.startsWith(reason)).count(), output);
            assertTrue(lines.get(lines.size() - 1).startsWith(reason + taken.getLocalPort() + " on 127.0.0.1 (for " + owner + ")"),
                    "the reason, naming the port and whose it is, comes last:\n" + output);
            // Nothing started: no node, so none of their files left behind either.
            assertEquals(0, NODE_STARTS.matcher(output).results().count(), output);
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), output);
            }
        }
    }
}
