package dev.affinity.filter.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where the filter finds its settings, first found wins: the filter's init-param, the context's
 * (a {@code <context-param>} or Tomcat's context.xml {@code <Parameter>}), system property,
 * environment variable, and for the route alone Tomcat's Engine jvmRoute.
 *
 * @param initParams    the filter's init-params, by key
 * @param contextParams the web application's context init-params, by key
 * @param properties  system properties by key
 * @param environment environment variables by name
 * @param jvmRoute    the container's own node id, if it has one (Tomcat's jvmRoute)
 */
public record SettingSources(Function<String, Optional<String>> initParams,
                             Function<String, Optional<String>> contextParams,
                             Function<String, Optional<String>> properties,
                             Function<String, Optional<String>> environment,
                             Supplier<Optional<String>> jvmRoute) {

    public SettingSources {
        requireNonNull(initParams, "initParams");
        requireNonNull(contextParams, "contextParams");
        requireNonNull(properties, "properties");
        requireNonNull(environment, "environment");
        requireNonNull(jvmRoute, "jvmRoute");
    }

    /** The JVM's real system properties, environment and Tomcat jvmRoute, with these init-params. */
    public static SettingSources of(Function<String, Optional<String>> initParams,
            Function<String, Optional<String>> contextParams) {
        return new SettingSources(initParams, contextParams, key -> Optional.ofNullable(System.getProperty(key)),
                name -> Optional.ofNullable(System.getenv(name)), TomcatJvmRoute::find);
    }

    /** A setting's value and where it was found, for the startup log. */
    public record Found(String value, String source) {
    }

    public Optional<Found> find(Setting setting) {
        Optional<Found> found = nonBlank(initParams.apply(setting.key()))
                .map(v -> new Found(v, "init-param " + setting.key()));
        if (found.isEmpty()) {
            found = nonBlank(contextParams.apply(setting.key())).map(v -> new Found(v, "context-param " + setting.key()));
        }
        if (found.isEmpty()) {
            found = nonBlank(properties.apply(setting.key())).map(v -> new Found(v, "system property " + setting.key()));
        }
        if (found.isEmpty()) {
            found = nonBlank(environment.apply(setting.environmentVariable()))
                    .map(v -> new Found(v, "environment variable " + setting.environmentVariable()));
        }
        if (found.isEmpty() && setting == Setting.ROUTE) {
            found = nonBlank(jvmRoute.get()).map(v -> new Found(v, "Tomcat jvmRoute"));
        }
        return found;
    }

    private static Optional<String> nonBlank(Optional<String> value) {
        return value.map(String::strip).filter(v -> !v.isEmpty());
    }
}
