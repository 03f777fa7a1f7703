package dev.affinity.filter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where a setting comes from: init-param, then system property, then environment, then jvmRoute. */
class SettingSourcesTest {

    private final Map<String, String> initParams = new HashMap<>();
    private final Map<String, String> contextParams = new HashMap<>();
    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> environment = new HashMap<>();
    private Optional<String> jvmRoute = Optional.empty();

    private final SettingSources sources = new SettingSources(key -> Optional.ofNullable(initParams.get(key)),
            key -> Optional.ofNullable(contextParams.get(key)),
            key -> Optional.ofNullable(properties.get(key)), name -> Optional.ofNullable(environment.get(name)),
            () -> jvmRoute);

    @Test
    void eachSettingHasAnEnvironmentVariableName() {
        assertEquals("BALANCER_ROUTE", Setting.ROUTE.environmentVariable());
        assertEquals("BALANCER_COOKIE_NAME", Setting.COOKIE_NAME.environmentVariable());
        assertEquals("BALANCER_COOKIE_PREFIX", Setting.COOKIE_PREFIX.environmentVariable());
        assertEquals("BALANCER_COOKIE_PATH", Setting.COOKIE_PATH.environmentVariable());
        assertEquals("BALANCER_COOKIE_MAX_AGE", Setting.COOKIE_MAX_AGE.environmentVariable());
        assertEquals("BALANCER_COOKIE_WHEN", Setting.COOKIE_WHEN.environmentVariable());
    }

    @Test
    void eachSettingHasAnInitParamAndSystemPropertyName() {
        assertEquals("balancer.route", Setting.ROUTE.key());
        assertEquals("balancer.cookie.name", Setting.COOKIE_NAME.key());
        assertEquals("balancer.cookie.prefix", Setting.COOKIE_PREFIX.key());
        assertEquals("balancer.cookie.path", Setting.COOKIE_PATH.key());
        assertEquals("balancer.cookie.maxAge", Setting.COOKIE_MAX_AGE.key());
        assertEquals("balancer.cookie.when", Setting.COOKIE_WHEN.key());
    }

    @Test
    void nothingSetFindsNothing() {
        for (Setting setting : Setting.values()) {
            assertEquals(Optional.empty(), sources.find(setting), setting.key());
        }
    }

    @Test
    void theInitParamBeatsEverySource() {
        initParams.put("balancer.route", "fromparam");
        properties.put("balancer.route", "fromproperty");
        environment.put("BALANCER_ROUTE", "fromenv");
        jvmRoute = Optional.of("fromjvmroute");
        assertEquals(found("fromparam", "init-param balancer.route"), sources.find(Setting.ROUTE));
    }

    @Test
    void theContextParamComesAfterTheFiltersInitParamAndIsNamedAsSuch() {
        contextParams.put("balancer.route", "fromcontext");
        properties.put("balancer.route", "fromproperty");
        assertEquals(found("fromcontext", "context-param balancer.route"), sources.find(Setting.ROUTE));
        initParams.put("balancer.route", "fromparam");
        assertEquals(found("fromparam", "init-param balancer.route"), sources.find(Setting.ROUTE));
    }

    @Test
    void theSystemPropertyBeatsTheEnvironmentAndJvmRoute() {
        properties.put("balancer.route", "fromproperty");
        environment.put("BALANCER_ROUTE", "fromenv");
        jvmRoute = Optional.of("fromjvmroute");
        assertEquals(found("fromproperty", "system property balancer.route"), sources.find(Setting.ROUTE));
    }

    @Test
    void theEnvironmentBeatsJvmRoute() {
        environment.put("BALANCER_ROUTE", "fromenv");
        jvmRoute = Optional.of("fromjvmroute");
        assertEquals(found("fromenv", "environment variable BALANCER_ROUTE"), sources.find(Setting.ROUTE));
    }

    @Test
    void jvmRouteIsTheLastResortForTheRoute() {
        jvmRoute = Optional.of("fromjvmroute");
        assertEquals(found("fromjvmroute", "Tomcat jvmRoute"), sources.find(Setting.ROUTE));
    }

    @Test
    void jvmRouteIsNeverACookieSetting() {
        jvmRoute = Optional.of("node1");
        assertEquals(Optional.empty(), sources.find(Setting.COOKIE_NAME));
        assertEquals(Optional.empty(), sources.find(Setting.COOKIE_PREFIX));
    }

    @Test
    void cookieSettingsAreLookedUpUnderTheirOwnNamesInEachSource() {
        environment.put("BALANCER_COOKIE_MAX_AGE", "60");
        properties.put("balancer.cookie.name", "ROUTEID");
        initParams.put("balancer.cookie.when", "session");
        assertEquals(found("60", "environment variable BALANCER_COOKIE_MAX_AGE"), sources.find(Setting.COOKIE_MAX_AGE));
        assertEquals(found("ROUTEID", "system property balancer.cookie.name"), sources.find(Setting.COOKIE_NAME));
        assertEquals(found("session", "init-param balancer.cookie.when"), sources.find(Setting.COOKIE_WHEN));
        assertEquals(Optional.empty(), sources.find(Setting.COOKIE_PATH));
    }

    @Test
    void aBlankValueCountsAsUnsetSoTheNextSourceIsAsked() {
        initParams.put("balancer.route", "  ");
        properties.put("balancer.route", "");
        environment.put("BALANCER_ROUTE", "\t");
        jvmRoute = Optional.of(" ");
        assertEquals(Optional.empty(), sources.find(Setting.ROUTE));
        environment.put("BALANCER_ROUTE", "fromenv");
        assertEquals(found("fromenv", "environment variable BALANCER_ROUTE"), sources.find(Setting.ROUTE));
    }

    @Test
    void valuesAreStripped() {
        initParams.put("balancer.route", " node1\n");
        assertEquals(found("node1", "init-param balancer.route"), sources.find(Setting.ROUTE));
    }

    @Test
    void theRealSourcesReadSystemProperties() {
        String key = Setting.COOKIE_PREFIX.key();
        String before = System.getProperty(key);
        System.setProperty(key, "fromrealproperty");
        try {
            SettingSources real = SettingSources.of(name -> Optional.empty(), name -> Optional.empty());
            assertEquals(found("fromrealproperty", "system property " + key), real.find(Setting.COOKIE_PREFIX));
            assertEquals(found("p", "init-param " + key),
                    SettingSources.of(name -> Optional.of("p"), name -> Optional.empty()).find(Setting.COOKIE_PREFIX));
        } finally {
            restore(key, before);
        }
    }

    @Test
    void tomcatsJvmRouteFallsBackToTheJvmRouteSystemProperty() {
        String before = System.getProperty("jvmRoute");
        System.setProperty("jvmRoute", "propertyjvmroute");
        try {
            // no Tomcat Engine MBean in this JVM, so the property Tomcat itself reads is used
            assertEquals(Optional.of("propertyjvmroute"), TomcatJvmRoute.find());
        } finally {
            restore("jvmRoute", before);
        }
    }

    private static Optional<SettingSources.Found> found(String value, String source) {
        return Optional.of(new SettingSources.Found(value, source));
    }

    private static void restore(String key, String before) {
        if (before == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, before);
        }
    }
}
