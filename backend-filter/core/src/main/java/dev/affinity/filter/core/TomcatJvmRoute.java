package dev.affinity.filter.core;

import java.lang.management.ManagementFactory;
import java.util.Optional;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Tomcat's own node id, read without a Tomcat dependency: the Engine MBean's {@code jvmRoute}
 * (what server.xml's {@code <Engine jvmRoute="node1">} sets), else the {@code jvmRoute} system
 * property that Tomcat itself falls back to.
 */
final class TomcatJvmRoute {

    private TomcatJvmRoute() {
    }

    private static final System.Logger LOG = System.getLogger(TomcatJvmRoute.class.getName());

    static Optional<String> find() {
        java.util.Set<String> routes = new java.util.TreeSet<>();
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            for (ObjectName engine : server.queryNames(new ObjectName("*:type=Engine"), null)) {
                Object route = server.getAttribute(engine, "jvmRoute");
                if (route instanceof String s && !s.isBlank()) {
                    routes.add(s.strip());
                }
            }
        } catch (Exception | LinkageError e) {
            // Not Tomcat, or JMX is locked down: the system property is all there is.
        }
        if (routes.size() == 1) {
            return Optional.of(routes.iterator().next());
        }
        if (routes.size() > 1) {
            // Several Engines in one JVM: which one holds this application is not knowable here.
            LOG.log(System.Logger.Level.WARNING, "Affinity balancer filter: this JVM has several Tomcat Engines "
                    + "with different jvmRoutes {0}; set balancer.route for each application instead", routes);
            return Optional.empty();
        }
        return Optional.ofNullable(System.getProperty("jvmRoute"));
    }
}
