package dev.affinity.filter;

import dev.affinity.filter.core.scenarios.App;
import dev.affinity.filter.core.scenarios.AppSpec;
import dev.affinity.filter.core.scenarios.FilterScenarios;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The scenarios in embedded Jetty 12 (ee10). A bare ServletContextHandler does not look in
 * META-INF/services (only a WebAppContext with annotation support does), so the initializer is
 * added by hand, as the jar in lib/ee10/ext would have it added: it is the same
 * {@code onStartup} call either way.
 */
class JettyScenariosTest extends FilterScenarios {

    @Override
    protected App start(AppSpec spec) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.SESSIONS);
        spec.contextParams().forEach(context::setInitParameter);
        context.addFilter(ScenarioWebApp.Gate.class, "/gate", EnumSet.of(DispatcherType.REQUEST));
        if (spec.declaredByHand()) {
            FilterHolder filter = new FilterHolder(BalancerRouteFilter.class);
            filter.setName("balancer");
            filter.setInitParameters(spec.filterInitParams());
            context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        context.addServletContainerInitializer(new BalancerRouteInitializer());
        context.addServletContainerInitializer(new ScenarioWebApp());
        server.setHandler(context);

        try {
            server.start(); // a filter that fails its init fails the start, with the filter's message
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception stop) {
                e.addSuppressed(stop);
            }
            throw e;
        }
        URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
        return new App() {
            @Override
            public URI uri() {
                return uri;
            }

            @Override
            public void close() throws Exception {
                server.stop();
            }
        };
    }
}
