package dev.affinity.it.cluster;

import dev.affinity.demo.launcher.DemoCluster;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the demo cluster once per test run: the Affinity proxy, configured from the demo's
 * cluster.conf as a user would configure it, in front of two embedded Tomcat 11 nodes that carry
 * the Affinity filter, all on free loopback ports. Tests receive it as a {@link DemoCluster}
 * parameter; it stops when the run ends.
 */
public final class ClusterExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterExtension.class);

    /** Closes the cluster when JUnit closes the root store, at the end of the run. */
    private record Running(DemoCluster cluster) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            cluster.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    private static DemoCluster cluster(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(Running.class, type -> {
            try {
                return new Running(DemoCluster.start("127.0.0.1"));
            } catch (Exception e) {
                throw new IllegalStateException("the demo cluster did not start: " + e.getMessage(), e);
            }
        }, Running.class).cluster();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == DemoCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster(context);
    }
}
