package dev.affinity.filter.core.scenarios;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The filter's behaviour over HTTP, the same for every container: each adapter test extends this
 * class and says how to start the scenario web application ({@link App}) in its container. Only
 * the JDK's HttpClient talks to it, without a cookie store, so every Cookie header is the test's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class FilterScenarios {

    /** The bound on every HTTP exchange. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(10);

    protected static final String PINNED_TO_NODE1 = "BALANCEID=balancer.node1; Path=/; HttpOnly; SameSite=Lax";

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT)
            .build();

    private final List<App> started = new ArrayList<>();

    /** How the container starts an application; {@link #start} is the one for the scenarios. */
    @FunctionalInterface
    protected interface Starter {
        App start(AppSpec spec) throws Exception;
    }

    /**
     * Starts the scenario web application in this container, on 127.0.0.1 and a free port, with the
     * filter installed as {@code spec} says. The system properties of the spec are already set.
     *
     * @throws Exception when the web application does not start, with the container's reason among
     *                   the messages of the exception and its causes; the container is then closed
     */
    protected abstract App start(AppSpec spec) throws Exception;

    /** Starts an application for this test with {@link #start}; it is closed after the test. */
    protected final App launch(AppSpec spec) throws Exception {
        return launch(spec, this::start);
    }

    /** Starts an application for this test, with the spec's system properties set meanwhile. */
    protected final App launch(AppSpec spec, Starter starter) throws Exception {
        Map<String, String> before = new HashMap<>();
        spec.systemProperties().forEach((name, value) -> before.put(name, System.setProperty(name, value)));
        try {
            App app = starter.start(spec);
            started.add(app);
            return app;
        } finally {
            before.forEach(FilterScenarios::restoreProperty);
        }
    }

    @AfterEach
    final void closeApps() throws Exception {
        Exception failure = null;
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        started.clear();
        if (failure != null) {
            throw failure;
        }
    }

    // --- which clients get the cookie ---

    @Test
    void aNewClientIsPinnedByItsFirstResponse() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> response = get(app.uri());
        assertEquals(200, response.statusCode());
        assertEquals("hello", response.body());
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(response));
    }

    @Test
    void aClientPinnedHereGetsNoSetCookie() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> response = get(app.uri(), "Cookie", "BALANCEID=balancer.node1");
        assertEquals("hello", response.body());
        assertEquals(List.of(), setCookies(response));
    }

    @Test
    void aClientPinnedToAnotherNodeIsRepinnedHere() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> response = get(app.uri(), "Cookie", "BALANCEID=balancer.node2");
        assertEquals("hello", response.body());
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(response));
    }

    @Test
    void aCookieValueWithoutADotIsRepinned() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(get(app.uri(), "Cookie", "BALANCEID=node1")));
    }

    @Test
    void aClientPinnedToARouteThatOnlyStartsWithOursIsRepinned() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(get(app.uri(), "Cookie", "BALANCEID=balancer.node10")));
    }

    @Test
    void otherCookiesAreLeftAlone() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> newClient = get(app.uri(), "Cookie", "JSESSIONID=abc; BALANCEID2=balancer.node1");
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(newClient), "BALANCEID2 is another cookie");
        HttpResponse<String> pinned = get(app.uri(), "Cookie",
                "BALANCEID2=balancer.node2; JSESSIONID=abc; BALANCEID=balancer.node1");
        assertEquals(List.of(), setCookies(pinned), "nothing to say about JSESSIONID or BALANCEID2");
    }

    // --- responses the application commits or streams itself ---

    @Test
    void aResponseCommittedBeforeTheBodyCarriesTheCookie() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> response = get(app.uri().resolve("early"));
        assertEquals(200, response.statusCode());
        assertEquals("early", response.body());
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(response));
    }

    @Test
    void aStreamedResponseCarriesTheCookie() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> response = get(app.uri().resolve("stream"));
        assertEquals("chunk0chunk1chunk2chunk3chunk4", response.body());
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(response));
    }

    @Test
    void aResponseAnApplicationFilterAnswersItselfCarriesTheCookie() throws Exception {
        // the filter runs before the application's own filters, such as a login gate
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> response = get(app.uri().resolve("gate"));
        assertEquals(403, response.statusCode());
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(response));
    }

    // --- the cookie's attributes ---

    @Test
    void behindATlsTerminatingProxyTheCookieIsSecure() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        assertEquals(List.of(PINNED_TO_NODE1 + "; Secure"), setCookies(get(app.uri(), "X-Forwarded-Proto", "https")));
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(get(app.uri(), "X-Forwarded-Proto", "http")));
    }

    @Test
    void theCookiesNamePrefixPathAndMaxAgeAreConfigurable() throws Exception {
        App app = launch(AppSpec.routeInContext("node1")
                .withContextParam("balancer.cookie.name", "ROUTEID")
                .withContextParam("balancer.cookie.prefix", "lb")
                .withContextParam("balancer.cookie.path", "/shop")
                .withContextParam("balancer.cookie.maxAge", "3600"));
        assertEquals(List.of("ROUTEID=lb.node1; Path=/shop; Max-Age=3600; HttpOnly; SameSite=Lax"),
                setCookies(get(app.uri(), "Cookie", "BALANCEID=balancer.node1")));
        assertEquals(List.of(), setCookies(get(app.uri(), "Cookie", "ROUTEID=lb.node1")));
    }

    // --- the drain handshake ---

    @Test
    void onADrainingNodeARequestWithoutASessionIsSentBackToBePlacedElsewhere() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> sent = get(app.uri().resolve("nosession?x=1"), "X-Affinity-Drain", "on",
                "Cookie", "BALANCEID=balancer.node1");
        assertEquals(307, sent.statusCode());
        assertEquals(app.uri().resolve("nosession?x=1").getRawPath() + "?x=1", sent.headers().firstValue("Location").orElse(""));
        assertEquals(List.of("BALANCEID=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"), setCookies(sent),
                "the route cookie is cleared, so the proxy balances the client afresh");
    }

    @Test
    void onADrainingNodeAnExistingSessionIsStillServed() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"));
        HttpResponse<String> creates = get(app.uri().resolve("session"));
        String session = cookiesNamed("JSESSIONID", creates).get(0).split(";", 2)[0];
        HttpResponse<String> served = get(app.uri().resolve("nosession"), "X-Affinity-Drain", "on",
                "Cookie", session + "; BALANCEID=balancer.node1");
        assertEquals(200, served.statusCode());
        assertEquals(List.of(), setCookies(served));
    }

    // --- balancer.cookie.when=session ---

    @Test
    void withWhenSessionOnlyRequestsThatHaveOrCreateASessionArePinned() throws Exception {
        App app = launch(AppSpec.routeInContext("node1").withContextParam("balancer.cookie.when", "session"));

        assertEquals(List.of(), setCookies(get(app.uri().resolve("nosession"))), "no session, no cookie");

        HttpResponse<String> creates = get(app.uri().resolve("session"));
        assertEquals(List.of(PINNED_TO_NODE1), cookiesNamed("BALANCEID", creates));
        List<String> sessionCookies = cookiesNamed("JSESSIONID", creates);
        assertEquals(1, sessionCookies.size(), () -> "the container's own session cookie: " + setCookies(creates));
        assertTrue(sessionCookies.get(0).startsWith("JSESSIONID=" + creates.body()), sessionCookies::toString);
        String session = sessionCookies.get(0).split(";", 2)[0];

        HttpResponse<String> has = get(app.uri().resolve("nosession"), "Cookie", session);
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(has), "a request that brings its session has one");

        HttpResponse<String> pinned = get(app.uri().resolve("session"), "Cookie",
                session + "; BALANCEID=balancer.node1");
        assertEquals(List.of(), setCookies(pinned));
    }

    // --- how the filter is installed ---

    @Test
    void aFilterDeclaredByHandIsNotAddedASecondTime() throws Exception {
        // the route in the context too, so that a second filter would have a cookie to add
        App app = launch(AppSpec.declaredInWebXml("node1").withContextParam(AppSpec.ROUTE, "node1"));
        HttpResponse<String> response = get(app.uri());
        assertEquals("hello", response.body());
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(response), "one filter, so one Set-Cookie");
    }

    // --- where the route comes from ---

    @Test
    void theFiltersInitParamBeatsTheContextsAndTheSystemProperty() throws Exception {
        App app = launch(AppSpec.declaredInWebXml("fromfilter")
                .withContextParam(AppSpec.ROUTE, "fromcontext")
                .withSystemProperty(AppSpec.ROUTE, "fromproperty"));
        assertEquals(List.of(cookieFor("fromfilter")), setCookies(get(app.uri())));
    }

    @Test
    void theContextsInitParamBeatsTheSystemProperty() throws Exception {
        App app = launch(AppSpec.routeInContext("fromcontext").withSystemProperty(AppSpec.ROUTE, "fromproperty"));
        assertEquals(List.of(cookieFor("fromcontext")), setCookies(get(app.uri())));
    }

    @Test
    void theSystemPropertyIsUsedWithoutAnInitParam() throws Exception {
        App app = launch(AppSpec.routeInSystemProperty("fromproperty"));
        assertEquals(List.of(cookieFor("fromproperty")), setCookies(get(app.uri())));
        assertEquals(null, System.getProperty(AppSpec.ROUTE), "the property is restored once the app started");
    }

    @Test
    void withoutARouteTheApplicationServesUnstickyAndWarnsOnce() throws Exception {
        assumeTrue(System.getenv("BALANCER_ROUTE") == null, "BALANCER_ROUTE is set in this test's environment");
        assumeTrue(System.getProperty("jvmRoute") == null, "jvmRoute is set in this test's JVM");
        App app;
        List<String> warnings;
        try (LogCapture log = LogCapture.of("dev.affinity.filter.core.NodeRoute")) {
            app = launch(AppSpec.noRoute());
            warnings = log.messages(Level.WARNING);
        }
        HttpResponse<String> response = get(app.uri());
        assertEquals(200, response.statusCode());
        assertEquals("hello", response.body());
        assertEquals(List.of(), setCookies(response));
        assertEquals(1, warnings.size(), warnings::toString);
        String warning = warnings.get(0);
        assertAll(
                () -> assertTrue(warning.contains("balancer.route"), warning),
                () -> assertTrue(warning.contains("BALANCER_ROUTE"), warning),
                () -> assertTrue(warning.contains("jvmRoute"), warning));
    }

    @Test
    void aRouteWithADotStopsTheApplicationFromStarting() {
        Exception failure = assertThrows(Exception.class, () -> launch(AppSpec.routeInContext("node.1")));
        String reasons = messages(failure);
        assertAll(
                () -> assertTrue(reasons.contains("route 'node.1'"), reasons),
                () -> assertTrue(reasons.contains("balancer.route"), reasons));
    }

    // --- helpers ---

    /** The cookie this node issues for {@code route}, with the default name, prefix and path. */
    protected static String cookieFor(String route) {
        return "BALANCEID=balancer." + route + "; Path=/; HttpOnly; SameSite=Lax";
    }

    /** A GET with these header name/value pairs, bounded by {@link #TIMEOUT}. */
    protected static HttpResponse<String> get(URI uri, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every Set-Cookie header, in the order the container sent them. */
    protected static List<String> setCookies(HttpResponse<?> response) {
        return response.headers().allValues("Set-Cookie");
    }

    protected static List<String> cookiesNamed(String name, HttpResponse<?> response) {
        return setCookies(response).stream().filter(c -> c.startsWith(name + "=")).collect(Collectors.toList());
    }

    /** The messages of an exception, its causes and what they suppressed, one per line. */
    protected static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        collect(failure, all, 0);
        return all.toString();
    }

    private static void collect(Throwable t, StringBuilder all, int depth) {
        if (t == null || depth > 20) {
            return;
        }
        all.append(t).append('\n');
        for (Throwable suppressed : t.getSuppressed()) {
            collect(suppressed, all, depth + 1);
        }
        collect(t.getCause(), all, depth + 1);
    }

    private static void restoreProperty(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }
}
