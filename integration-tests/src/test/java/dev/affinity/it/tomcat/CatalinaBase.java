package dev.affinity.it.tomcat;

import dev.affinity.it.standalone.FileTree;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A fresh CATALINA_BASE next to an unpacked CATALINA_HOME, laid out as Tomcat's RUNNING.txt
 * describes: conf/ copied from the distribution, an empty webapps/ and lib/, logs/, temp/, work/.
 *
 * <p>Of the distribution's server.xml only what a test must not share with another run changes:
 * the one HTTP connector listens on a free port on 127.0.0.1, the shutdown port is off (the test
 * stops Tomcat with SIGTERM, which runs its shutdown hook), any other connector is gone,
 * and the Engine gets a jvmRoute when the test wants one. Everything else stays as shipped.
 *
 * <p>A base is left in {@code target/catalina-bases/} after its test, logs included, to be read
 * when a test fails; the next run of that test starts from a fresh one.
 */
record CatalinaBase(Path home, Path base) {

    /** What catalina.sh adds on Java 9+ so that Tomcat's leak prevention may reach JDK internals. */
    private static final List<String> ADD_OPENS = List.of("java.base/java.lang", "java.base/java.lang.invoke",
            "java.base/java.lang.reflect", "java.base/java.io", "java.base/java.util",
            "java.base/java.util.concurrent", "java.rmi/sun.rmi.transport");

    static CatalinaBase create(Path home, Path base, int httpPort, Optional<String> jvmRoute) {
        try {
            FileTree.deleteRecursively(base);
            for (String dir : List.of("webapps", "lib", "logs", "temp", "work")) {
                Files.createDirectories(base.resolve(dir));
            }
            copyRecursively(home.resolve("conf"), base.resolve("conf"));
            rewriteServerXml(home.resolve("conf/server.xml"), base.resolve("conf/server.xml"), httpPort, jvmRoute);
        } catch (IOException e) {
            throw new UncheckedIOException("creating CATALINA_BASE " + base, e);
        }
        return new CatalinaBase(home, base);
    }

    Path webapps() {
        return base.resolve("webapps");
    }

    Path lib() {
        return base.resolve("lib");
    }

    Path logs() {
        return base.resolve("logs");
    }

    /**
     * The JVM command that {@code catalina.sh run} would build, minus the script: the JVM this test
     * runs on, Tomcat's bootstrap class path, and these {@code -D} options after Tomcat's own.
     */
    List<String> startCommand(Map<String, String> systemProperties) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ADD_OPENS.forEach(open -> command.add("--add-opens=" + open + "=ALL-UNNAMED"));
        command.add("-Dcatalina.home=" + home);
        command.add("-Dcatalina.base=" + base);
        command.add("-Djava.io.tmpdir=" + base.resolve("temp"));
        command.add("-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties"));
        command.add("-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager");
        // A connector that cannot bind (the picked port was taken meanwhile) ends the JVM at once, which
        // StandaloneTomcat reports with the log, instead of a Tomcat that never answers.
        command.add("-Dorg.apache.catalina.startup.EXIT_ON_INIT_FAILURE=true");
        // Tomcat's messages are localised; the assertions read the English ones.
        command.add("-Duser.language=en");
        command.add("-Duser.country=US");
        systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-classpath");
        command.add(home.resolve("bin/bootstrap.jar") + File.pathSeparator + home.resolve("bin/tomcat-juli.jar"));
        command.add("org.apache.catalina.startup.Bootstrap");
        command.add("start");
        return command;
    }

    private static void rewriteServerXml(Path source, Path target, int httpPort, Optional<String> jvmRoute) {
        try {
            Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(source.toFile());
            Element server = xml.getDocumentElement();
            server.setAttribute("port", "-1");
            Element service = (Element) server.getElementsByTagName("Service").item(0);
            for (Element connector : children(service, "Connector")) {
                service.removeChild(connector);
            }
            Element engine = children(service, "Engine").get(0);
            Element http = xml.createElement("Connector");
            http.setAttribute("address", "127.0.0.1");
            http.setAttribute("port", Integer.toString(httpPort));
            http.setAttribute("protocol", "HTTP/1.1");
            http.setAttribute("connectionTimeout", "20000");
            service.insertBefore(http, engine);
            service.insertBefore(xml.createTextNode("\n\n    "), engine);
            jvmRoute.ifPresent(route -> engine.setAttribute("jvmRoute", route));
            TransformerFactory.newInstance().newTransformer().transform(new DOMSource(xml),
                    new StreamResult(target.toFile()));
        } catch (Exception e) {
            throw new IllegalStateException("rewriting " + source + " into " + target, e);
        }
    }

    private static List<Element> children(Element parent, String tag) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && tag.equals(nodes.item(i).getNodeName())) {
                found.add((Element) nodes.item(i));
            }
        }
        return found;
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path copy = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy);
                }
            }
        }
    }
}
