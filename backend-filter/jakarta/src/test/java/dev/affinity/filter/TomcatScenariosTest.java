package dev.affinity.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.affinity.filter.core.scenarios.App;
import dev.affinity.filter.core.scenarios.AppSpec;
import dev.affinity.filter.core.scenarios.FilterScenarios;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scenarios in embedded Tomcat 11, plus what only Tomcat has: its Engine jvmRoute, and one
 * container-lib install serving several web applications. The filter is always found by Tomcat's
 * own ServletContainerInitializer discovery (see {@link EmbeddedTomcat}).
 */
class TomcatScenariosTest extends FilterScenarios {

    @Override
    protected App start(AppSpec spec) throws Exception {
        return EmbeddedTomcat.start(spec);
    }

    @Test
    void tomcatsJvmRouteIsTheRouteWhenNothingElseIsSet() throws Exception {
        App app = launch(AppSpec.noRoute(), spec -> EmbeddedTomcat.start(spec,
                tomcat -> tomcat.getEngine().setJvmRoute("node7"), ""));
        assertEquals(List.of(cookieFor("node7")), setCookies(get(app.uri())));
    }

    @Test
    void anInitParamBeatsTomcatsJvmRoute() throws Exception {
        App app = launch(AppSpec.routeInContext("node1"), spec -> EmbeddedTomcat.start(spec,
                tomcat -> tomcat.getEngine().setJvmRoute("node7"), ""));
        assertEquals(List.of(cookieFor("node1")), setCookies(get(app.uri())));
    }

    @Test
    void theContainerLibInstallPinsClientsInEveryWebApplication() throws Exception {
        EmbeddedTomcat tomcat = (EmbeddedTomcat) launch(AppSpec.routeInSystemProperty("node1"),
                spec -> EmbeddedTomcat.start(spec, t -> { }, "/shop", "/admin"));
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(get(tomcat.uri("/shop"))));
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(get(tomcat.uri("/admin"))));
        assertEquals(List.of(), setCookies(get(tomcat.uri("/admin"), "Cookie", "BALANCEID=balancer.node1")));
    }

    @Test
    void aMetadataCompleteWebApplicationStillGetsTheFilter() throws Exception {
        // Tomcat's own examples say metadata-complete="true": no annotations, no web-fragment.xml,
        // but ServletContainerInitializers still run
        App app = launch(AppSpec.routeInContext("node1"), spec -> EmbeddedTomcat.start(spec,
                xml -> xml.replace("version=\"" + EmbeddedTomcat.SERVLET_VERSION + "\"",
                        "version=\"" + EmbeddedTomcat.SERVLET_VERSION + "\" metadata-complete=\"true\""), t -> { }, ""));
        assertEquals(List.of(PINNED_TO_NODE1), setCookies(get(app.uri())));
    }
}
