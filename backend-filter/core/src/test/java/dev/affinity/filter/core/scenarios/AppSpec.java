package dev.affinity.filter.core.scenarios;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the scenario web application is set up. The filter is always reachable through its
 * ServletContainerInitializer, as when its jar is in WEB-INF/lib or the container's lib.
 *
 * @param declaredByHand   whether web.xml (or the container's programmatic equivalent) also
 *                         declares the filter's class for {@code /*}, with {@code filterInitParams}
 * @param filterInitParams the hand-declared filter's init-params
 * @param contextParams    the web application's context-params
 * @param systemProperties system properties set while the container starts, then restored
 */
public record AppSpec(boolean declaredByHand, Map<String, String> filterInitParams, Map<String, String> contextParams,
                      Map<String, String> systemProperties) {

    public static final String ROUTE = "balancer.route";

    public AppSpec {
        filterInitParams = frozen(filterInitParams, "filterInitParams");
        contextParams = frozen(contextParams, "contextParams");
        systemProperties = frozen(systemProperties, "systemProperties");
        if (!declaredByHand && !filterInitParams.isEmpty()) {
            throw new IllegalArgumentException("filter init-params need a filter declared by hand");
        }
    }

    /** No route anywhere: the filter is installed but has nothing to pin clients to. */
    public static AppSpec noRoute() {
        return new AppSpec(false, Map.of(), Map.of(), Map.of());
    }

    /** The route as a context init-param ({@code <context-param>} in web.xml). */
    public static AppSpec routeInContext(String route) {
        return noRoute().withContextParam(ROUTE, route);
    }

    /** The route as the system property {@code -Dbalancer.route}. */
    public static AppSpec routeInSystemProperty(String route) {
        return noRoute().withSystemProperty(ROUTE, route);
    }

    /** The filter declared by hand in web.xml, its route as the filter's init-param. */
    public static AppSpec declaredInWebXml(String route) {
        return new AppSpec(true, Map.of(ROUTE, route), Map.of(), Map.of());
    }

    public AppSpec withContextParam(String name, String value) {
        return new AppSpec(declaredByHand, filterInitParams, plus(contextParams, name, value), systemProperties);
    }

    public AppSpec withSystemProperty(String name, String value) {
        return new AppSpec(declaredByHand, filterInitParams, contextParams, plus(systemProperties, name, value));
    }

    private static Map<String, String> plus(Map<String, String> map, String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(map);
        copy.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
        return copy;
    }

    private static Map<String, String> frozen(Map<String, String> map, String what) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(map, what)));
    }
}
