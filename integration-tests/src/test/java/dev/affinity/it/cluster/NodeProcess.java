package dev.affinity.it.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One demo node in a JVM of its own, started as a user would start it:
 * {@code java -jar affinity-demo.jar node --route node1 --port P --replication-port R --peer HOST:R2}.
 * Its output goes to {@code target/node-logs/<route>-<n>.log}. {@link #kill()} is SIGKILL: no
 * shutdown hook, no goodbye to the cluster, sockets reset by the kernel, as when a machine dies.
 */
final class NodeProcess implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration STOP = Duration.ofSeconds(20);

    private static final Pattern UP = Pattern.compile("Affinity demo node \\S+ is up at http://[^:/]+:(\\d+)/");

    private final String route;
    private final Process process;
    private final Path log;

    private NodeProcess(String route, Process process, Path log) {
        this.route = route;
        this.process = process;
        this.log = log;
    }

    /** The HTTP port the node says it listens on (the one asked for, or the free one it picked for 0). */
    int port() throws IOException {
        Matcher up = UP.matcher(output());
        if (!up.find()) {
            throw new IllegalStateException(route + " has not said it is up:\n" + tail());
        }
        return Integer.parseInt(up.group(1));
    }

    /** Starts the node (port 0: a free one) and returns once it says it is up; fails with its log's tail otherwise. */
    static NodeProcess start(String route, int port, InetSocketAddress replication, List<InetSocketAddress> peers)
            throws IOException, InterruptedException {
        Path log = newLog(route);
        List<String> command = demoCommand(newTempDir(route), "-Xmx128m");
        command.addAll(List.of("node", "--route", route, "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--replication-port", Integer.toString(replication.getPort())));
        for (InetSocketAddress peer : peers) {
            command.add("--peer");
            command.add(peer.getHostString() + ":" + peer.getPort());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        NodeProcess node = new NodeProcess(route, process, log);
        try {
            await().atMost(STARTUP).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(route + " exited with " + process.exitValue() + ":\n" + node.tail());
                }
                return UP.matcher(node.output()).find();
            });
        } catch (ConditionTimeoutException e) {
            node.close();
            throw new IllegalStateException(route + " did not come up within " + STARTUP + ":\n" + node.tail(), e);
        }
        return node;
    }

    String route() {
        return route;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException(route + " (pid " + process.pid() + ") survived SIGKILL for " + STOP);
        }
    }

    String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it has not stopped in time. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * {@code java -Xmx… -Djava.io.tmpdir=… -jar affinity-demo.jar}: the process's temporary files (each
     * node's Tomcat base) go to {@code tmp} (from {@link #newTempDir}), not the machine's /tmp, where a
     * node the test kills with SIGKILL could not remove its own.
     */
    static List<String> demoCommand(Path tmp, String heap) {
        return new ArrayList<>(List.of(java(), heap, "-Djava.io.tmpdir=" + tmp, "-jar", demoJar().toString()));
    }

    /** A new directory for a demo process's temporary files: {@code target/node-tmp/<name>-<n>}. */
    static Path newTempDir(String name) throws IOException {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "node-tmp")), name + "-")
                .toAbsolutePath();
    }

    /** A new file for a demo process's output: {@code target/node-logs/<name>-<n>.log}. */
    static Path newLog(String name) throws IOException {
        return Files.createTempFile(Files.createDirectories(Path.of("target", "node-logs")), name + "-", ".log");
    }

    static Path demoJar() {
        String jar = System.getProperty("it.demo.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property it.demo.jar is " + jar + " (expected: the demo-webapp's "
                    + "affinity-demo.jar; run the *IT classes through ./mvnw verify, which builds it first)");
        }
        return Path.of(jar).toAbsolutePath();
    }
}
