package dev.affinity.it.standalone;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real servlet container installation running as a child JVM of the test, answering HTTP on one
 * port of 127.0.0.1, with its stdout and stderr in one file: what a standalone Tomcat and a
 * standalone Jetty have in common. A subclass knows how its container is laid out, started and
 * logs its startup; this class starts the process, waits for it, talks to it and stops it.
 *
 * <p>{@link #close()} sends SIGTERM to this process only, which runs the container's shutdown
 * hook, and kills it if it is still alive after {@link #STOP}.
 */
public abstract class StandaloneServer implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration STOP = Duration.ofSeconds(20);
    private static final Duration CALL = Duration.ofSeconds(5);
    private static final Duration LOG_WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);

    /** Never follows redirects and keeps no cookies: each call sends exactly the Cookie a test gives. */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(CALL)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private final String name;
    private final int port;
    private final Path output;
    private final Process process;

    /**
     * @param name    what the messages call this server, e.g. {@code Tomcat in target/catalina-bases/x}
     * @param port    the HTTP port on 127.0.0.1 it was configured with
     * @param output  the file its stdout and stderr go to
     * @param process the running JVM, from {@link #launch}
     */
    protected StandaloneServer(String name, int port, Path output, Process process) {
        this.name = name;
        this.port = port;
        this.output = output;
        this.process = process;
    }

    /**
     * Starts the command in this directory, stdout and stderr into {@code output}. The route must come
     * only from what the test configures, so every {@code BALANCER_*} variable of the build's own
     * environment is removed before {@code environment} is added.
     */
    protected static Process launch(List<String> command, Path directory, Map<String, String> environment,
            Path output) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(variable -> variable.startsWith("BALANCER_"));
        builder.environment().putAll(environment);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + command, e);
        }
    }

    /**
     * Waits, with a bound, until an HTTP GET answers and the log says startup is complete; stops the
     * server and fails with its log if it exits or times out first.
     */
    protected final void awaitStarted(Callable<Boolean> startupLogged) {
        try {
            within(STARTUP, name + " to answer on port " + port + " and log its startup", () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with status " + process.exitValue()
                            + " before answering; its log:\n" + log());
                }
                return answers() && startupLogged.call();
            });
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** GET with no cookie, as a client's first visit. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(CALL).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET with this Cookie header, e.g. {@code BALANCEID=balancer.node1}. */
    public HttpResponse<String> getWithCookie(String path, String cookie) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(CALL).header("Cookie", cookie).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Only what reached stdout and stderr. */
    public String stdout() {
        return FileTree.read(output);
    }

    /** Everything the server wrote so far; a container that also logs to files adds them. */
    public String log() {
        return stdout();
    }

    /**
     * The first log line holding every fragment, so that a test pins what a line must say (the app,
     * the value, the setting) rather than its exact wording.
     */
    public Optional<String> logLineWith(String... fragments) {
        return log().lines().filter(line -> Stream.of(fragments).allMatch(line::contains)).findFirst();
    }

    /** Waits, with a bound, until the log holds this text; fails showing the whole log otherwise. */
    public void awaitLog(String text) {
        within(LOG_WAIT, "the log of " + name + " to contain '" + text + "'", () -> log().contains(text));
    }

    /** Stops the server; the log stays readable. Idempotent. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A port nobody listens on now, for the server's configuration before it starts. */
    protected static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("finding a free port on 127.0.0.1", e);
        }
    }

    private boolean answers() throws InterruptedException {
        try {
            HTTP.send(HttpRequest.newBuilder(uri("/")).timeout(CALL).GET().build(), HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private void within(Duration bound, String what, Callable<Boolean> condition) {
        try {
            await(what).atMost(bound).pollInterval(POLL).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("waited " + bound.toSeconds() + " s for " + what + "; the log:\n" + log(), e);
        }
    }
}
