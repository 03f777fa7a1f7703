package dev.affinity.it.tomcat;

import static java.util.Objects.requireNonNull;

import dev.affinity.it.standalone.FileTree;
import dev.affinity.it.standalone.Installation;
import dev.affinity.it.standalone.StandaloneServer;
import dev.affinity.it.standalone.WebApp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Tomcat distribution running as a child JVM on its own fresh CATALINA_BASE, started the way
 * catalina.sh starts it but without the script: {@code java -cp bin/bootstrap.jar:bin/tomcat-juli.jar
 * org.apache.catalina.startup.Bootstrap start}, with stdout and stderr in {@code logs/catalina.out}.
 *
 * <p>{@link Setup#start()} returns once an HTTP GET answers and the catalina log file holds
 * "Server startup in". Tomcat logs that line after every web application has been deployed, and
 * its AsyncFileHandlers write through one shared queue in order, so from then on every startup line
 * (an application failing included) is on disk and {@link #log()} can be asserted on directly.
 */
final class StandaloneTomcat extends StandaloneServer {

    private final CatalinaBase base;

    private StandaloneTomcat(CatalinaBase base, int port, Process process) {
        super("Tomcat in " + base.base(), port, base.logs().resolve("catalina.out"), process);
        this.base = base;
    }

    /**
     * Prepares a Tomcat of this distribution on a fresh CATALINA_BASE {@code target/catalina-bases/<baseName>}.
     */
    static Setup of(Installation distribution, String baseName) {
        return new Setup(distribution.path(), Installation.CATALINA_BASES.path().resolve(baseName));
    }

    /** What the Tomcat will hold and how its JVM is started. Not thread-safe; used by one test. */
    static final class Setup {
        private final Path home;
        private final Path base;
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final List<WebApp> webapps = new ArrayList<>();
        private final List<Path> containerLibs = new ArrayList<>();
        private final Map<String, Path> wars = new LinkedHashMap<>();
        private Optional<String> jvmRoute = Optional.empty();

        private Setup(Path home, Path base) {
            this.home = home;
            this.base = base;
        }

        /** A {@code -Dkey=value} on Tomcat's JVM, as an operator puts it in bin/setenv.sh. */
        Setup systemProperty(String key, String value) {
            systemProperties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        /** server.xml's {@code <Engine name="Catalina" defaultHost="localhost" jvmRoute="...">}. */
        Setup jvmRoute(String route) {
            jvmRoute = Optional.of(route);
            return this;
        }

        /** A web application directory under webapps/. */
        Setup webapp(WebApp app) {
            webapps.add(requireNonNull(app, "app"));
            return this;
        }

        /** A WAR file dropped into webapps/ under this name, e.g. {@code ROOT.war}, as an operator deploys one. */
        Setup war(String name, Path war) {
            wars.put(requireNonNull(name, "name"), requireNonNull(war, "war"));
            return this;
        }

        /** A jar in $CATALINA_BASE/lib, which Tomcat's common class loader gives to every application. */
        Setup containerLib(Path jar) {
            containerLibs.add(requireNonNull(jar, "jar"));
            return this;
        }

        StandaloneTomcat start() {
            int port = freeLoopbackPort();
            CatalinaBase catalinaBase = CatalinaBase.create(home, base, port, jvmRoute);
            webapps.forEach(app -> app.writeInto(catalinaBase.webapps()));
            wars.forEach((name, war) -> FileTree.copy(war, catalinaBase.webapps().resolve(name)));
            for (Path jar : containerLibs) {
                FileTree.copy(jar, catalinaBase.lib().resolve(jar.getFileName()));
            }
            Process process = launch(catalinaBase.startCommand(systemProperties), catalinaBase.base(), Map.of(),
                    catalinaBase.logs().resolve("catalina.out"));
            StandaloneTomcat tomcat = new StandaloneTomcat(catalinaBase, port, process);
            tomcat.awaitStarted(() -> tomcat.logFiles(name -> name.startsWith("catalina.") && name.endsWith(".log"))
                    .stream().anyMatch(file -> FileTree.read(file).contains("Server startup in")));
            return tomcat;
        }
    }

    /** Everything Tomcat wrote so far: logs/catalina.out (stdout and stderr) and each log file, by name. */
    @Override
    public String log() {
        return logFiles(name -> true).stream()
                .map(file -> "==> " + file.getFileName() + " <==\n" + FileTree.read(file))
                .collect(Collectors.joining("\n"));
    }

    private List<Path> logFiles(Predicate<String> name) {
        try (Stream<Path> files = Files.list(base.logs())) {
            return files.filter(f -> name.test(f.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + base.logs(), e);
        }
    }
}
