package dev.affinity.it.tomcat;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An exploded web application as an operator deploys it: {@code webapps/<name>/index.html} served
 * by Tomcat's DefaultServlet, a {@code WEB-INF/web.xml} that never mentions the filter, and
 * whatever jars are dropped into {@code WEB-INF/lib}.
 *
 * @param name             the directory under webapps/, hence the context path {@code /<name>}
 * @param schema           the web.xml's Servlet version
 * @param metadataComplete whether web.xml says {@code metadata-complete="true"}
 * @param libJars          the jars copied into WEB-INF/lib
 */
record WebApp(String name, Schema schema, boolean metadataComplete, List<Path> libJars) {

    /** The web.xml header of one Servlet version. */
    enum Schema {
        SERVLET_6_0("https://jakarta.ee/xml/ns/jakartaee", "https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd", "6.0"),
        SERVLET_4_0("http://xmlns.jcp.org/xml/ns/javaee", "http://xmlns.jcp.org/xml/ns/javaee/web-app_4_0.xsd", "4.0");

        private final String namespace;
        private final String xsd;
        private final String version;

        Schema(String namespace, String xsd, String version) {
            this.namespace = namespace;
            this.xsd = xsd;
            this.version = version;
        }
    }

    WebApp {
        requireNonNull(name, "name");
        requireNonNull(schema, "schema");
        libJars = List.copyOf(libJars);
    }

    /** A Servlet 6.0 (jakarta) application with no jars. */
    static WebApp servlet60(String name) {
        return new WebApp(name, Schema.SERVLET_6_0, false, List.of());
    }

    /** A Servlet 4.0 (javax) application with no jars. */
    static WebApp servlet40(String name) {
        return new WebApp(name, Schema.SERVLET_4_0, false, List.of());
    }

    WebApp withMetadataComplete() {
        return new WebApp(name, schema, true, libJars);
    }

    WebApp withLib(Path jar) {
        List<Path> jars = new ArrayList<>(libJars);
        jars.add(jar);
        return new WebApp(name, schema, metadataComplete, jars);
    }

    /** The text of index.html, which a test finds in the body to know the application itself answered. */
    String page() {
        return "<!DOCTYPE html><html><body><h1>Welcome to " + name + "</h1></body></html>\n";
    }

    void writeInto(Path webapps) {
        Path root = webapps.resolve(name);
        try {
            Files.createDirectories(root.resolve("WEB-INF/lib"));
            Files.writeString(root.resolve("index.html"), page());
            Files.writeString(root.resolve("WEB-INF/web.xml"), webXml());
            for (Path jar : libJars) {
                Files.copy(jar, root.resolve("WEB-INF/lib").resolve(jar.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing web application " + root, e);
        }
    }

    private String webXml() {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="%s"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="%s %s"
                         version="%s"%s>
                  <display-name>%s</display-name>
                  <welcome-file-list>
                    <welcome-file>index.html</welcome-file>
                  </welcome-file-list>
                </web-app>
                """.formatted(schema.namespace, schema.namespace, schema.xsd, schema.version,
                metadataComplete ? " metadata-complete=\"true\"" : "", name);
    }
}
