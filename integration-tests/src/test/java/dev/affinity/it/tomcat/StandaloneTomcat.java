package dev.affinity.it.tomcat;

import static java.util.Objects.requireNonNull;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real Tomcat distribution running as a child JVM on its own fresh CATALINA_BASE, started the way
 * catalina.sh starts it but without the script: {@code java -cp bin/bootstrap.jar:bin/tomcat-juli.jar
 * org.apache.catalina.startup.Bootstrap start}, with stdout and stderr in {@code logs/catalina.out}.
 *
 * <p>{@link Setup#start()} returns once an HTTP GET answers and the catalina log file holds
 * "Server startup in". Tomcat logs that line after every web application has been deployed, and
 * its AsyncFileHandlers write through one shared queue in order, so from then on every startup line
 * (an application failing included) is on disk and {@link #log()} can be asserted on directly.
 *
 * <p>{@link #close()} sends SIGTERM to this process only, which runs Tomcat's shutdown hook, and
 * kills it if it is still alive after {@link #STOP}.
 */
final class StandaloneTomcat implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration STOP = Duration.ofSeconds(20);
    private static final Duration CALL = Duration.ofSeconds(5);
    private static final Duration LOG_WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);

    /** Never follows redirects and keeps no cookies: each call sends exactly the Cookie a test gives. */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(CALL)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private final CatalinaBase base;
    private final int port;
    private final Process process;

    private StandaloneTomcat(CatalinaBase base, int port, Process process) {
        this.base = base;
        this.port = port;
        this.process = process;
    }

    /**
     * Prepares a Tomcat of this distribution on a fresh CATALINA_BASE {@code target/catalina-bases/<baseName>}.
     */
    static Setup of(Installation distribution, String baseName) {
        return new Setup(distribution.path(), Installation.CATALINA_BASES.path().resolve(baseName));
    }

    /** What the Tomcat will hold and how its JVM is started. Not thread-safe; used by one test. */
    static final class Setup {
        private final Path home;
        private final Path base;
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final List<WebApp> webapps = new ArrayList<>();
        private final List<Path> containerLibs = new ArrayList<>();
        private final Map<String, Path> wars = new LinkedHashMap<>();
        private Optional<String> jvmRoute = Optional.empty();

        private Setup(Path home, Path base) {
            this.home = home;
            this.base = base;
        }

        /** A {@code -Dkey=value} on Tomcat's JVM, as an operator puts it in bin/setenv.sh. */
        Setup systemProperty(String key, String value) {
            systemProperties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        /** server.xml's {@code <Engine name="Catalina" defaultHost="localhost" jvmRoute="...">}. */
        Setup jvmRoute(String route) {
            jvmRoute = Optional.of(route);
            return this;
        }

        /** A web application directory under webapps/. */
        Setup webapp(WebApp app) {
            webapps.add(requireNonNull(app, "app"));
            return this;
        }

        /** A WAR file dropped into webapps/ under this name, e.g. {@code ROOT.war}, as an operator deploys one. */
        Setup war(String name, Path war) {
            wars.put(requireNonNull(name, "name"), requireNonNull(war, "war"));
            return this;
        }

        /** A jar in $CATALINA_BASE/lib, which Tomcat's common class loader gives to every application. */
        Setup containerLib(Path jar) {
            containerLibs.add(requireNonNull(jar, "jar"));
            return this;
        }

        StandaloneTomcat start() {
            int port = freeLoopbackPort();
            CatalinaBase catalinaBase = CatalinaBase.create(home, base, port, jvmRoute);
            webapps.forEach(app -> app.writeInto(catalinaBase.webapps()));
            wars.forEach((name, war) -> copy(war, catalinaBase.webapps().resolve(name)));
            for (Path jar : containerLibs) {
                copy(jar, catalinaBase.lib().resolve(jar.getFileName()));
            }
            StandaloneTomcat tomcat = new StandaloneTomcat(catalinaBase, port, launch(catalinaBase, systemProperties));
            try {
                tomcat.awaitStarted();
            } catch (RuntimeException | Error e) {
                tomcat.close();
                throw e;
            }
            return tomcat;
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** GET with no cookie, as a client's first visit. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(CALL).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET with this Cookie header, e.g. {@code BALANCEID=balancer.node1}. */
    HttpResponse<String> getWithCookie(String path, String cookie) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(CALL).header("Cookie", cookie).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Everything Tomcat wrote so far: logs/catalina.out (stdout and stderr) and each log file, by name. */
    String log() {
        return logFiles(name -> true).stream()
                .map(file -> "==> " + file.getFileName() + " <==\n" + read(file))
                .collect(Collectors.joining("\n"));
    }

    /** Only what reached stdout and stderr: each log record once, unlike {@link #log()}. */
    String stdout() {
        return read(base.logs().resolve("catalina.out"));
    }

    /**
     * The first log line holding every fragment, so that a test pins what a line must say (the app,
     * the value, the setting) rather than its exact wording.
     */
    Optional<String> logLineWith(String... fragments) {
        return log().lines().filter(line -> Stream.of(fragments).allMatch(line::contains)).findFirst();
    }

    /** Waits, with a bound, until the log holds this text; fails showing the whole log otherwise. */
    void awaitLog(String text) {
        within(LOG_WAIT, "the Tomcat log to contain '" + text + "'", () -> log().contains(text));
    }

    /** Stops Tomcat; the log stays readable. Idempotent. */
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

    private void awaitStarted() {
        within(STARTUP, "Tomcat in " + base.base() + " to answer on port " + port + " and log its startup", () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("Tomcat in " + base.base() + " exited with status "
                        + process.exitValue() + " before answering; its log:\n" + log());
            }
            return answers() && logFiles(name -> name.startsWith("catalina.") && name.endsWith(".log")).stream()
                    .anyMatch(file -> read(file).contains("Server startup in"));
        });
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

    private List<Path> logFiles(Predicate<String> name) {
        try (Stream<Path> files = Files.list(base.logs())) {
            return files.filter(f -> name.test(f.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + base.logs(), e);
        }
    }

    private static Process launch(CatalinaBase base, Map<String, String> systemProperties) {
        List<String> command = base.startCommand(systemProperties);
        ProcessBuilder builder = new ProcessBuilder(command).directory(base.base().toFile()).redirectErrorStream(true)
                .redirectOutput(base.logs().resolve("catalina.out").toFile());
        // The route must come only from what the test configures, never from the build's environment.
        builder.environment().keySet().removeIf(name -> name.startsWith("BALANCER_"));
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + command, e);
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("finding a free port on 127.0.0.1", e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + from + " to " + to, e);
        }
    }

    private static String read(Path file) {
        try {
            // bytes, not readString: a line still being written may end inside a UTF-8 sequence
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }
}
