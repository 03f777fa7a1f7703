package dev.affinity.proxy.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The runnable jar as an operator starts it, {@code java <jvmArgs> -jar affinity-proxy.jar <args>},
 * in a process of its own. Its stdout and stderr are captured line by line, so a test can wait for a
 * line with a bound; closing stops only this process: SIGTERM, then SIGKILL if it has not exited in time.
 *
 * <pre>{@code
 * try (ProxyProcess proxy = ProxyProcess.start("--config", conf.toString(), "--listen", "127.0.0.1:0")) {
 *     URI uri = proxy.awaitListening(Duration.ofSeconds(30));   // http://127.0.0.1:41237/
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ProxyProcess implements AutoCloseable {

    /** The jar failsafe built; the pom passes its path in this system property. */
    static final String JAR_PROPERTY = "affinity.proxy.jar";
    private static final Pattern LISTENING = Pattern.compile("Affinity listening on (http://\\S+/)");
    /** How long close() lets the proxy stop after SIGTERM, and then after SIGKILL. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration PUMP_DRAIN = Duration.ofSeconds(5);

    /** One line the proxy printed: on which stream, and when it arrived (System.nanoTime). */
    public record Line(String stream, String text, long arrivedNanos) {
    }

    private final Process process;
    private final long startedNanos;
    private final List<String> command;
    private final List<Line> lines = new ArrayList<>();
    private int pumpsRunning = 2;

    private ProxyProcess(Process process, long startedNanos, List<String> command) {
        this.process = process;
        this.startedNanos = startedNanos;
        this.command = command;
    }

    /** Starts the jar with no JVM options. */
    public static ProxyProcess start(String... args) throws IOException {
        return start(List.of(), args);
    }

    /** Starts {@code java <jvmArgs> -jar <affinity.proxy.jar> <args>} in the test's working directory. */
    public static ProxyProcess start(List<String> jvmArgs, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        long startedNanos = System.nanoTime();
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        ProxyProcess proxy = new ProxyProcess(process, startedNanos, List.copyOf(command));
        proxy.pump("stdout", process.getInputStream());
        proxy.pump("stderr", process.getErrorStream());
        return proxy;
    }

    private static Path jar() {
        String property = System.getProperty(JAR_PROPERTY);
        if (property == null) {
            throw new IllegalStateException("system property " + JAR_PROPERTY
                    + " is not set (expected: run by failsafe, ./mvnw -pl proxy-server verify)");
        }
        Path jar = Path.of(property);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(JAR_PROPERTY + "=" + jar + " is not a file (expected: the shaded jar the package phase built)");
        }
        return jar;
    }

    private void pump(String stream, InputStream in) {
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, Charset.defaultCharset()))) {
                for (String text; (text = reader.readLine()) != null; ) {
                    added(new Line(stream, text, System.nanoTime()));
                }
            } catch (IOException e) {
                added(new Line(stream, "(reading " + stream + " failed: " + e + ")", System.nanoTime()));
            } finally {
                pumpEnded();
            }
        }, "proxy-" + process.pid() + "-" + stream);
        pump.setDaemon(true);
        pump.start();
    }

    private synchronized void added(Line line) {
        lines.add(line);
        notifyAll();
    }

    private synchronized void pumpEnded() {
        pumpsRunning--;
        notifyAll();
    }

    /**
     * Waits at most {@code bound} for the first line (on either stream) that {@code pattern} finds
     * something in, and returns it; fails with everything printed so far when the bound passes or
     * the process ends without printing it.
     */
    public Line awaitLine(Pattern pattern, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (this) {
            for (int seen = 0; ; ) {
                for (; seen < lines.size(); seen++) {
                    if (pattern.matcher(lines.get(seen).text()).find()) {
                        return lines.get(seen);
                    }
                }
                if (pumpsRunning == 0) {
                    throw new AssertionError("the proxy ended (exit " + exitCodeIfEnded() + ") without printing a line matching /"
                            + pattern + "/; it printed:\n" + output());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no line matching /" + pattern + "/ within " + bound + "; the proxy printed:\n" + output());
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    public Line awaitLine(String regex, Duration bound) throws InterruptedException {
        return awaitLine(Pattern.compile(regex), bound);
    }

    /** Waits for {@code Affinity listening on http://HOST:PORT/} and returns that URL, with the port it bound. */
    public URI awaitListening(Duration bound) throws InterruptedException {
        Matcher m = LISTENING.matcher(awaitLine(LISTENING, bound).text());
        if (!m.find()) {
            throw new AssertionError("unreachable: the line matched before");
        }
        return URI.create(m.group(1));
    }

    /** From just before the process was started until {@code line} arrived. */
    public Duration sinceStart(Line line) {
        return Duration.ofNanos(line.arrivedNanos() - startedNanos);
    }

    /**
     * Waits at most {@code bound} for the process to exit and returns its exit code; the output is
     * complete afterwards. Fails with the output if it is still running.
     */
    public int awaitExit(Duration bound) throws InterruptedException {
        if (!process.waitFor(bound.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new AssertionError("the proxy (pid " + process.pid() + ") did not exit within " + bound
                    + "; it printed:\n" + output());
        }
        awaitPumps(PUMP_DRAIN);
        return process.exitValue();
    }

    private synchronized void awaitPumps(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        for (long left = bound.toNanos(); pumpsRunning > 0 && left > 0; left = deadline - System.nanoTime()) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    private String exitCodeIfEnded() {
        return process.isAlive() ? "not yet" : String.valueOf(process.exitValue());
    }

    /**
     * Sends SIGTERM (what {@code kill PID} and a service manager's stop send), without waiting.
     * Through the ProcessHandle: Process.destroy() sends the same signal but also closes the pipes,
     * losing what the proxy prints while it stops.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public synchronized String stdout() {
        return text("stdout");
    }

    public synchronized String stderr() {
        return text("stderr");
    }

    /** Both streams, each line in the order it arrived. */
    public synchronized String output() {
        return text(null);
    }

    private String text(String stream) {
        return lines.stream()
                .filter(l -> stream == null || l.stream().equals(stream))
                .map(Line::text)
                .collect(Collectors.joining("\n"));
    }

    /** The lines of either stream that {@code pattern} finds something in. */
    public synchronized List<String> linesMatching(Pattern pattern) {
        return lines.stream().map(Line::text).filter(t -> pattern.matcher(t).find()).toList();
    }

    /** The first line that looks like part of a Java stack trace, if any. */
    public synchronized Optional<String> stackTraceLine() {
        Pattern trace = Pattern.compile("Exception|^\\s+at [\\w$.]+\\(|^Caused by:");
        return lines.stream().map(Line::text).filter(t -> trace.matcher(t).find()).findFirst();
    }

    @Override
    public String toString() {
        return "proxy process " + process.pid() + ": " + String.join(" ", command);
    }

    /** Stops this process if it still runs: SIGTERM, then SIGKILL after a bound. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                terminate();
                if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.toHandle().destroyForcibly();
                    process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            awaitPumps(PUMP_DRAIN);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
