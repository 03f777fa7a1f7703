package dev.affinity.it.jetty;

import static java.util.Objects.requireNonNull;

import dev.affinity.it.standalone.FileTree;
import dev.affinity.it.standalone.Installation;
import dev.affinity.it.standalone.StandaloneServer;
import dev.affinity.it.standalone.WebApp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Jetty 12 distribution (jetty-home) running as a child JVM on its own fresh JETTY_BASE,
 * started as its documentation says: {@code java -jar $JETTY_HOME/start.jar} in $JETTY_BASE, with
 * stdout and stderr (Jetty's log and the filter's java.util.logging lines) in {@code logs/jetty.out}.
 *
 * <p>{@link Setup#start()} returns once an HTTP GET answers and the log holds "Started oejs.Server@".
 * Jetty logs that line after the deployment scanner's first scan, which deploys every web application
 * during startup (jetty.deploy.deferInitialScan=false, the default), and every line reaches the file
 * as it is logged, so from then on {@link #log()} holds every application's startup lines.
 */
final class StandaloneJetty extends StandaloneServer {

    private static final String STARTED = "Started oejs.Server@";

    private StandaloneJetty(JettyBase base, int port, Process process) {
        super("Jetty in " + base.base(), port, output(base), process);
    }

    /** Prepares a Jetty of this distribution on a fresh JETTY_BASE {@code target/jetty-bases/<baseName>}. */
    static Setup of(Installation distribution, String baseName) {
        return new Setup(distribution.path(), Installation.JETTY_BASES.path().resolve(baseName));
    }

    /** What the Jetty will hold and how its JVM is started. Not thread-safe; used by one test. */
    static final class Setup {
        private final Path home;
        private final Path base;
        private final List<String> modules = new ArrayList<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<WebApp> webapps = new ArrayList<>();
        private final List<WebApp> wars = new ArrayList<>();
        private final List<Path> ee10ExtJars = new ArrayList<>();

        private Setup(Path home, Path base) {
            this.home = home;
            this.base = base;
        }

        /** {@code start.jar --add-modules=...}, e.g. {@code http, ee10-deploy}; their dependencies come along. */
        Setup modules(String... names) {
            modules.addAll(List.of(names));
            return this;
        }

        /** A {@code -Dkey=value} before {@code -jar start.jar}. */
        Setup systemProperty(String key, String value) {
            systemProperties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        /** An environment variable of Jetty's JVM, e.g. {@code BALANCER_ROUTE} set by a container platform. */
        Setup environment(String name, String value) {
            environment.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
            return this;
        }

        /** A web application directory under webapps/. */
        Setup webapp(WebApp app) {
            webapps.add(requireNonNull(app, "app"));
            return this;
        }

        /** A web application packed as {@code webapps/<name>.war}. */
        Setup war(WebApp app) {
            wars.add(requireNonNull(app, "app"));
            return this;
        }

        /** A jar in $JETTY_BASE/lib/ee10/ext, for every ee10 application; takes the ee10-ext module to be seen. */
        Setup ee10Ext(Path jar) {
            ee10ExtJars.add(requireNonNull(jar, "jar"));
            return this;
        }

        StandaloneJetty start() {
            if (modules.isEmpty()) {
                throw new IllegalStateException("no Jetty modules for " + base + " (expected: e.g. http, ee10-deploy)");
            }
            int port = freeLoopbackPort();
            JettyBase jettyBase = JettyBase.create(home, base, modules);
            webapps.forEach(app -> app.writeInto(jettyBase.webapps()));
            wars.forEach(app -> app.writeWarInto(jettyBase.webapps()));
            for (Path jar : ee10ExtJars) {
                FileTree.copy(jar, jettyBase.ee10Ext().resolve(jar.getFileName()));
            }
            Process process = launch(jettyBase.startCommand(systemProperties, port), jettyBase.base(), environment,
                    output(jettyBase));
            StandaloneJetty jetty = new StandaloneJetty(jettyBase, port, process);
            jetty.awaitStarted(() -> jetty.log().contains(STARTED));
            return jetty;
        }
    }

    private static Path output(JettyBase base) {
        return base.logs().resolve("jetty.out");
    }
}
