package dev.affinity.filter.core;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.filter.core.FilterSettings.When;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The settings as read at startup: defaults, precedence, and one clear message per bad value. */
class FilterSettingsTest {

    private final Map<String, String> initParams = new HashMap<>();
    private final Map<String, String> contextParams = new HashMap<>();
    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> environment = new HashMap<>();
    private Optional<String> jvmRoute = Optional.empty();

    @Test
    void defaultsWithARoute() {
        initParams.put("balancer.route", "node1");
        FilterSettings settings = read();
        assertAll(
                () -> assertEquals(Optional.of("node1"), settings.route()),
                () -> assertEquals("init-param balancer.route", settings.routeSource()),
                () -> assertEquals("BALANCEID", settings.cookieName()),
                () -> assertEquals("balancer", settings.prefix()),
                () -> assertEquals("/", settings.path()),
                () -> assertEquals(OptionalInt.empty(), settings.maxAge()),
                () -> assertEquals(When.ALWAYS, settings.when()));
    }

    @Test
    void noRouteAnywhereIsNotAnError() {
        FilterSettings settings = read();
        assertEquals(Optional.empty(), settings.route());
        assertEquals("nowhere", settings.routeSource());
    }

    @Test
    void theRouteComesFromTheFirstSourceThatHasOne() {
        jvmRoute = Optional.of("fromjvmroute");
        assertRoute("fromjvmroute", "Tomcat jvmRoute");
        environment.put("BALANCER_ROUTE", "fromenv");
        assertRoute("fromenv", "environment variable BALANCER_ROUTE");
        properties.put("balancer.route", "fromproperty");
        assertRoute("fromproperty", "system property balancer.route");
        initParams.put("balancer.route", "fromparam");
        assertRoute("fromparam", "init-param balancer.route");
    }

    @Test
    void everyCookieSettingIsReadFromTheEnvironment() {
        environment.put("BALANCER_ROUTE", "node1");
        environment.put("BALANCER_COOKIE_NAME", "ROUTEID");
        environment.put("BALANCER_COOKIE_PREFIX", "lb");
        environment.put("BALANCER_COOKIE_PATH", "/shop");
        environment.put("BALANCER_COOKIE_MAX_AGE", "3600");
        environment.put("BALANCER_COOKIE_WHEN", "session");
        assertEquals(new FilterSettings(Optional.of("node1"), "environment variable BALANCER_ROUTE", "ROUTEID", "lb",
                "/shop", OptionalInt.of(3600), When.SESSION), read());
    }

    @Test
    void aCookieSettingFromAnInitParamBeatsTheSameFromTheEnvironment() {
        environment.put("BALANCER_COOKIE_NAME", "FROMENV");
        properties.put("balancer.cookie.name", "FROMPROPERTY");
        assertEquals("FROMPROPERTY", read().cookieName());
        initParams.put("balancer.cookie.name", "FROMPARAM");
        assertEquals("FROMPARAM", read().cookieName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"always", "ALWAYS", "Always"})
    void whenAlwaysInAnyCase(String value) {
        initParams.put("balancer.cookie.when", value);
        assertEquals(When.ALWAYS, read().when());
    }

    @ParameterizedTest
    @ValueSource(strings = {"session", "SESSION", "Session"})
    void whenSessionInAnyCase(String value) {
        initParams.put("balancer.cookie.when", value);
        assertEquals(When.SESSION, read().when());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "3600", "2147483647"})
    void maxAgeInSeconds(String value) {
        initParams.put("balancer.cookie.maxAge", value);
        assertEquals(OptionalInt.of(Integer.parseInt(value)), read().maxAge());
    }

    @ParameterizedTest
    @ValueSource(strings = {"node.1", "node 1", "node;1", "node,1", "node=1", "node\"1", "node\\1", "nöde"})
    void aRouteTheProxyCouldNotReadIsRefused(String route) {
        initParams.put("balancer.route", route);
        assertMessage(IllegalArgumentException.class, "route '" + route + "' from init-param balancer.route",
                "expected: the proxy takes the route as the text after the first dot, e.g. node1");
    }

    @Test
    void aBadRouteIsReportedWithTheSourceItCameFrom() {
        environment.put("BALANCER_ROUTE", "node.1");
        assertMessage(IllegalArgumentException.class, "route 'node.1' from environment variable BALANCER_ROUTE",
                "expected:");
        environment.clear();
        properties.put("balancer.route", "node 1");
        assertMessage(IllegalArgumentException.class, "route 'node 1' from system property balancer.route");
        properties.clear();
        jvmRoute = Optional.of("node;1");
        assertMessage(IllegalArgumentException.class, "route 'node;1' from Tomcat jvmRoute");
    }

    @ParameterizedTest
    @ValueSource(strings = {"BALANCE.ID", "BALANCE ID", "BALANCE;ID", "BALANCE=ID", "BALANCE,ID"})
    void aBadCookieNameIsRefused(String name) {
        initParams.put("balancer.cookie.name", name);
        assertMessage(IllegalArgumentException.class, "cookie name '" + name + "'", "balancer.cookie.name",
                "expected: a cookie name such as BALANCEID");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lb.x", "l b", "lb;", "lb=", "lb,"})
    void aBadPrefixIsRefused(String prefix) {
        initParams.put("balancer.cookie.prefix", prefix);
        assertMessage(IllegalArgumentException.class, "cookie prefix '" + prefix + "'", "balancer.cookie.prefix",
                "expected: the text before the dot, e.g. balancer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"shop", "/sh op", "/shop;x", "/sh\top"})
    void aBadPathIsRefused(String path) {
        initParams.put("balancer.cookie.path", path);
        assertMessage(IllegalArgumentException.class, "balancer.cookie.path '" + path + "'",
                "expected: a path starting with /");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "0", "soon", "1.5", "99999999999", "60s"})
    void aBadMaxAgeIsRefused(String maxAge) {
        initParams.put("balancer.cookie.maxAge", maxAge);
        // 0 too: Max-Age=0 deletes the cookie at once, so no client would ever be pinned.
        assertMessage(IllegalArgumentException.class, "balancer.cookie.maxAge '" + maxAge + "'",
                "expected: seconds, 1 or more");
    }

    @ParameterizedTest
    @ValueSource(strings = {"never", "sessions", "true"})
    void aBadWhenIsRefused(String when) {
        initParams.put("balancer.cookie.when", when);
        assertMessage(IllegalArgumentException.class, "balancer.cookie.when '" + when + "'",
                "expected: always or session");
    }

    @Test
    void aBadValueFromTheEnvironmentIsReportedUnderTheSettingsName() {
        environment.put("BALANCER_COOKIE_MAX_AGE", "forever");
        assertMessage(IllegalArgumentException.class, "balancer.cookie.maxAge 'forever'");
    }

    @Test
    void theMissingRouteWarningNamesAllFourWays() {
        String warning = FilterSettings.missingRouteWarning();
        assertAll(
                () -> assertTrue(warning.contains("init-param balancer.route"), warning),
                () -> assertTrue(warning.contains("system property -Dbalancer.route="), warning),
                () -> assertTrue(warning.contains("environment variable BALANCER_ROUTE="), warning),
                () -> assertTrue(warning.contains("jvmRoute"), warning),
                () -> assertTrue(warning.contains("no BALANCEID cookie"), warning),
                () -> assertTrue(!warning.contains("\n"), "one line: " + warning));
    }

    private void assertRoute(String route, String source) {
        FilterSettings settings = read();
        assertEquals(Optional.of(route), settings.route());
        assertEquals(source, settings.routeSource());
    }

    private void assertMessage(Class<? extends Exception> type, String... parts) {
        Exception e = assertThrows(type, this::read);
        assertTrue(e.getMessage().startsWith("Affinity balancer filter: "), e::getMessage);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' missing from: " + e.getMessage());
        }
        assertTrue(!e.getMessage().contains("\n"), () -> "one line: " + e.getMessage());
    }

    private FilterSettings read() {
        return FilterSettings.read(new SettingSources(key -> Optional.ofNullable(initParams.get(key)),
            key -> Optional.ofNullable(contextParams.get(key)),
                key -> Optional.ofNullable(properties.get(key)), name -> Optional.ofNullable(environment.get(name)),
                () -> jvmRoute));
    }
}
