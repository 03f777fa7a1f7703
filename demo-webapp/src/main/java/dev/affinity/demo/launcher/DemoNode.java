package dev.affinity.demo.launcher;

import dev.affinity.demo.app.DemoServlets;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * One demo node: an embedded Tomcat 11 serving the demo app with its route. The Affinity filter is
 * not mentioned here: its jar is on the classpath, so Tomcat finds its ServletContainerInitializer
 * as it would in a container's lib folder, exactly as for a user's app.
 */
public final class DemoNode implements AutoCloseable {

    private final String route;
    private final String host;
    private final Tomcat tomcat;
    private final Path baseDir;

    private DemoNode(String route, String host, Tomcat tomcat, Path baseDir) {
        this.route = route;
        this.host = host;
        this.tomcat = tomcat;
        this.baseDir = baseDir;
    }

    /**
     * Starts a node on {@code host:port} (port 0 picks a free one); with a replication, its
     * sessions are replicated to and from the other nodes.
     */
    public static DemoNode start(String route, String host, int port, Optional<SessionReplication> replication)
            throws IOException, LifecycleException {
        Path baseDir = Files.createTempDirectory("affinity-demo-" + route);
        // Embedded Tomcat takes its home from this system property, which the first Tomcat in the JVM
        // sets to its own base directory; each later one then creates that directory again if it is
        // gone. With two nodes in one JVM, a node started after another closed (a retried start, say)
        // would leave the closed node's directory behind in /tmp. Each node's home is its own.
        System.setProperty("catalina.home", baseDir.toString());
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(port);
        connector.setProperty("address", host);
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        // Each node its own Engine name, so two nodes in one JVM do not share JMX names.
        tomcat.getEngine().setName("affinity-" + route);
        replication.ifPresent(r -> r.install(tomcat.getEngine()));

        Path docBase = Files.createDirectories(baseDir.resolve("webapp"));
        installWebXml(docBase);
        Context context = tomcat.addContext("", docBase.toString());
        // The route as a user would give it in context.xml; the Affinity filter reads the same parameter.
        context.addParameter("balancer.route", route);
        context.addApplicationListener(DemoServlets.class.getName());
        // ContextConfig runs ServletContainerInitializers, which is how the filter installs itself.
        ContextConfig config = new ContextConfig();
        config.setDefaultWebXml(Constants.NO_DEFAULT_WEB_XML);
        context.addLifecycleListener(config);
        // Our jars need no annotation scan; the SCI lookup does not depend on it.
        ((StandardJarScanner) context.getJarScanner()).setScanClassPath(false);
        DemoNode node = new DemoNode(route, host, tomcat, baseDir);
        try {
            tomcat.start();
        } catch (LifecycleException | RuntimeException e) {
            // A port taken, for one: nothing of this node may stay behind.
            try {
                node.close();
            } catch (LifecycleException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        if (context.getState() != LifecycleState.STARTED) {
            node.close();
            throw new IllegalStateException("node " + route + " failed to start its web application; see the log above");
        }
        return node;
    }

    /**
     * The WAR's own web.xml, which makes the app distributable: with a cluster on the engine, Tomcat
     * then gives it a replicating session manager; without one, the usual local manager.
     */
    private static void installWebXml(Path docBase) throws IOException {
        try (var in = DemoNode.class.getResourceAsStream("/demo-webapp/web.xml")) {
            if (in == null) {
                throw new IllegalStateException("demo-webapp/web.xml is missing from the classpath");
            }
            Files.copy(in, Files.createDirectories(docBase.resolve("WEB-INF")).resolve("web.xml"));
        }
    }

    public String route() {
        return route;
    }

    public int port() {
        return tomcat.getConnector().getLocalPort();
    }

    public URI uri() {
        return URI.create("http://" + host + ":" + port() + "/");
    }

    @Override
    public void close() throws LifecycleException {
        if (tomcat.getServer().getState().isAvailable()) {
            tomcat.stop();
        }
        tomcat.destroy();
        deleteQuietly(baseDir);
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    /** Tomcat's marker for "no default web.xml", named here so the code says what it means. */
    private static final class Constants {
        static final String NO_DEFAULT_WEB_XML = org.apache.catalina.startup.Constants.NoDefaultWebXml;
    }
}
