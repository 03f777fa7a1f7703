package dev.affinity.filter;

import dev.affinity.filter.core.scenarios.App;
import dev.affinity.filter.core.scenarios.AppSpec;
import dev.affinity.filter.core.scenarios.LogCapture;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.IntrospectionUtils;

/**
 * The scenario web application in an embedded Tomcat 11 (and, generated from this file by the javax
 * module, Tomcat 9), installed like a WAR: each context has a
 * docBase with a WEB-INF/web.xml and a {@link ContextConfig}, the listener that reads web.xml and
 * runs the ServletContainerInitializers. Tomcat finds {@link BalancerRouteInitializer} through
 * META-INF/services on the test class path, which it treats as its own lib folder: this is the
 * container-lib install, never an explicit {@code addServletContainerInitializer}.
 */
final class EmbeddedTomcat implements App {

    /** The Servlet version of the web.xml it writes; the javax build replaces these two lines. */
    static final String SERVLET_VERSION = "6.0";
    static final String WEB_XML_NAMESPACE = "https://jakarta.ee/xml/ns/jakartaee";


    /** Tomcat publishes its base as these; the next Tomcat would recreate a stale catalina.home. */
    private static final List<String> PUBLISHED = List.of("catalina.base", "catalina.home");

    private final Tomcat tomcat;
    private final Path base;
    private final List<Context> contexts;
    private final Map<String, String> propertiesBefore;

    private EmbeddedTomcat(Tomcat tomcat, Path base, Map<String, String> propertiesBefore) {
        this.tomcat = tomcat;
        this.base = base;
        this.contexts = new ArrayList<>();
        this.propertiesBefore = propertiesBefore;
    }

    static EmbeddedTomcat start(AppSpec spec) throws Exception {
        return start(spec, tomcat -> { }, "");
    }

    /**
     * Starts one Tomcat with the scenario application at each context path ("" for ROOT).
     *
     * @throws IllegalStateException when a context does not start, with what Tomcat logged
     */
    static EmbeddedTomcat start(AppSpec spec, Consumer<Tomcat> configure, String... contextPaths) throws Exception {
        return start(spec, UnaryOperator.identity(), configure, contextPaths);
    }

    /** As above, with each web.xml passed through {@code editWebXml} before it is written. */
    static EmbeddedTomcat start(AppSpec spec, UnaryOperator<String> editWebXml, Consumer<Tomcat> configure,
                                String... contextPaths) throws Exception {
        Map<String, String> propertiesBefore = new HashMap<>();
        PUBLISHED.forEach(name -> propertiesBefore.put(name, System.getProperty(name)));
        Path base = Files.createTempDirectory("affinity-tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.setAddDefaultWebXmlToWebapp(false);
        tomcat.setSilent(true);
        EmbeddedTomcat app = new EmbeddedTomcat(tomcat, base, propertiesBefore);
        try (LogCapture log = LogCapture.of("org.apache.catalina")) {
            try {
                for (String path : contextPaths) {
                    app.contexts.add(webapp(tomcat, base, path, editWebXml.apply(webXml(spec))));
                }
                configure.accept(tomcat);
                tomcat.start();
            } catch (Exception e) {
                throw app.closeAfter(new IllegalStateException("Tomcat did not start; it logged:\n"
                        + log.everything(), e));
            }
            for (Context context : app.contexts) {
                if (context.getState() != LifecycleState.STARTED) {
                    // Tomcat keeps serving the other contexts, so it says why only in its log
                    throw app.closeAfter(new IllegalStateException("web application '" + context.getPath()
                            + "' did not start (" + context.getState() + "); Tomcat logged:\n" + log.everything()));
                }
            }
        }
        return app;
    }

    private IllegalStateException closeAfter(IllegalStateException failure) {
        try {
            close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    private static Context webapp(Tomcat tomcat, Path base, String path, String webXml) throws IOException {
        Path docBase = base.resolve("webapps").resolve(path.isEmpty() ? "ROOT" : path.substring(1));
        Files.createDirectories(docBase.resolve("WEB-INF"));
        Files.writeString(docBase.resolve("WEB-INF/web.xml"), webXml);
        ContextConfig config = new ContextConfig();
        config.setDefaultWebXml(tomcat.noDefaultWebXmlPath());
        StandardContext context = (StandardContext) tomcat.addWebapp(tomcat.getHost(), path, docBase.toString(),
                config);
        // without --add-opens these leak checks at undeploy can only print warnings
        context.setClearReferencesRmiTargets(false);
        context.setClearReferencesThreadLocals(false);
        // Tomcat 9 only (the javax twin of this class is generated from it); a no-op on Tomcat 11.
        IntrospectionUtils.setProperty(context, "clearReferencesObjectStreamClassCaches", "false");
        context.addServletContainerInitializer(new ScenarioWebApp(), null);
        return context;
    }

    /** The web.xml an operator would write: context-params, the gate, and the filter if declared by hand. */
    static String webXml(AppSpec spec) {
        StringBuilder xml = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="%s" version="%s">
                """.formatted(WEB_XML_NAMESPACE, SERVLET_VERSION));
        spec.contextParams().forEach((name, value) -> xml.append("  <context-param>").append(param(name, value))
                .append("</context-param>\n"));
        xml.append("""
                  <filter><filter-name>gate</filter-name><filter-class>%s</filter-class></filter>
                  <filter-mapping><filter-name>gate</filter-name><url-pattern>/gate</url-pattern></filter-mapping>
                """.formatted(ScenarioWebApp.Gate.class.getName()));
        if (spec.declaredByHand()) {
            xml.append("  <filter>\n    <filter-name>balancer</filter-name>\n    <filter-class>")
                    .append(BalancerRouteFilter.class.getName()).append("</filter-class>\n");
            spec.filterInitParams().forEach((name, value) -> xml.append("    <init-param>").append(param(name, value))
                    .append("</init-param>\n"));
            xml.append("  </filter>\n  <filter-mapping>\n    <filter-name>balancer</filter-name>\n")
                    .append("    <url-pattern>/*</url-pattern>\n  </filter-mapping>\n");
        }
        return xml.append("</web-app>\n").toString();
    }

    private static String param(String name, String value) {
        return "<param-name>" + escape(name) + "</param-name><param-value>" + escape(value) + "</param-value>";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public URI uri() {
        return uri(contexts.get(0).getPath());
    }

    URI uri(String contextPath) {
        return URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + contextPath + "/");
    }

    @Override
    public void close() throws Exception {
        try {
            tomcat.stop();
            tomcat.destroy(); // unregisters the Engine MBean, which the next test's filter would read
        } finally {
            propertiesBefore.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
            try (Stream<Path> files = Files.walk(base)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // Tomcat may still be removing its own work files: the temp base is best-effort cleanup.
            }
        }
    }
}
