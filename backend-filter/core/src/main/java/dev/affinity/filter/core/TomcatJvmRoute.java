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

    static Optional<String> find() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            for (ObjectName engine : server.queryNames(new ObjectName("*:type=Engine"), null)) {
                Object route = server.getAttribute(engine, "jvmRoute");
                if (route instanceof String s && !s.isBlank()) {
                    return Optional.of(s);
                }
            }
        } catch (Exception | LinkageError e) {
            // Not Tomcat, or JMX is locked down: the system property is all there is.
        }
        return Optional.ofNullable(System.getProperty("jvmRoute"));
    }
}
