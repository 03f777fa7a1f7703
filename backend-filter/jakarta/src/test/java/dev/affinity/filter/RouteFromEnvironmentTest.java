package dev.affinity.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The environment variable source ({@code BALANCER_ROUTE}), which a JVM cannot set for itself: each
 * test forks a JVM running {@link ForkedTomcat} with the environment it needs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RouteFromEnvironmentTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();
    private Process child;
    private final List<String> output = new ArrayList<>();

    @Test
    void theRouteComesFromTheEnvironmentVariable() throws Exception {
        URI uri = fork(Map.of("BALANCER_ROUTE", "envnode"));
        assertEquals(List.of("BALANCEID=balancer.envnode; Path=/; HttpOnly; SameSite=Lax"), setCookies(uri));
    }

    @Test
    void theSystemPropertyBeatsTheEnvironmentVariable() throws Exception {
        URI uri = fork(Map.of("BALANCER_ROUTE", "envnode"), "-Dbalancer.route=propnode");
        assertEquals(List.of("BALANCEID=balancer.propnode; Path=/; HttpOnly; SameSite=Lax"), setCookies(uri));
    }

    @Test
    void cookieSettingsComeFromTheEnvironmentToo() throws Exception {
        URI uri = fork(Map.of("BALANCER_ROUTE", "envnode", "BALANCER_COOKIE_NAME", "ROUTEID",
                "BALANCER_COOKIE_MAX_AGE", "60"));
        assertEquals(List.of("ROUTEID=balancer.envnode; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"), setCookies(uri));
    }

    private List<String> setCookies(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("hello", response.body());
        return response.headers().allValues("Set-Cookie");
    }

    /** Starts the child with exactly these balancer variables, and waits (bounded) until it serves. */
    private URI fork(Map<String, String> environment, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.add(ForkedTomcat.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("BALANCER_"));
        builder.environment().putAll(environment);
        // surefire boots from a manifest-only jar but puts the real test class path in java.class.path;
        // handed over in the environment, as it is too long for a comfortable command line
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        child = builder.start();

        CompletableFuture<URI> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> read(listening), "forked-tomcat-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return listening.get(STARTUP.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the child JVM did not serve within " + STARTUP + ":\n" + output(), e);
        }
    }

    private void read(CompletableFuture<URI> listening) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                synchronized (output) {
                    output.add(line);
                }
                if (line.startsWith(ForkedTomcat.LISTENING)) {
                    listening.complete(URI.create(line.substring(ForkedTomcat.LISTENING.length()).trim()));
                }
            }
        } catch (IOException e) {
            // the child is gone; what it said is in output
        }
        listening.completeExceptionally(new AssertionError("the child JVM exited before serving:\n" + output()));
    }

    private String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @AfterEach
    void stopChild() throws Exception {
        if (child == null) {
            return;
        }
        child.getOutputStream().close(); // ForkedTomcat stops when its stdin closes
        if (!child.waitFor(20, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
