package dev.affinity.it.standalone;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A web application as an operator deploys it, exploded ({@code webapps/<name>/}) or packed
 * ({@code webapps/<name>.war}): an {@code index.html} served by the container's default servlet,
 * a {@code WEB-INF/web.xml} that never mentions the filter, and whatever jars are dropped into
 * {@code WEB-INF/lib}.
 *
 * @param name             the directory or WAR under webapps/, hence the context path {@code /<name>}
 * @param schema           the web.xml's Servlet version
 * @param metadataComplete whether web.xml says {@code metadata-complete="true"}
 * @param libJars          the jars copied into WEB-INF/lib
 */
public record WebApp(String name, Schema schema, boolean metadataComplete, List<Path> libJars) {

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

    public WebApp {
        requireNonNull(name, "name");
        requireNonNull(schema, "schema");
        libJars = List.copyOf(libJars);
    }

    /** A Servlet 6.0 (jakarta) application with no jars. */
    public static WebApp servlet60(String name) {
        return new WebApp(name, Schema.SERVLET_6_0, false, List.of());
    }

    /** A Servlet 4.0 (javax) application with no jars. */
    public static WebApp servlet40(String name) {
        return new WebApp(name, Schema.SERVLET_4_0, false, List.of());
    }

    public WebApp withMetadataComplete() {
        return new WebApp(name, schema, true, libJars);
    }

    public WebApp withLib(Path jar) {
        List<Path> jars = new ArrayList<>(libJars);
        jars.add(jar);
        return new WebApp(name, schema, metadataComplete, jars);
    }

    /** The text of index.html, which a test finds in the body to know the application itself answered. */
    public String page() {
        return "<!DOCTYPE html><html><body><h1>Welcome to " + name + "</h1></body></html>\n";
    }

    /** Writes the application as the directory {@code webapps/<name>}. */
    public void writeInto(Path webapps) {
        Path root = webapps.resolve(name);
        try {
            for (Map.Entry<String, byte[]> entry : entries().entrySet()) {
                Path file = root.resolve(entry.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, entry.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing web application " + root, e);
        }
    }

    /** Packs the application into {@code webapps/<name>.war}, as a build tool would. */
    public void writeWarInto(Path webapps) {
        Path war = webapps.resolve(name + ".war");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(war))) {
            for (Map.Entry<String, byte[]> entry : entries().entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("packing web application " + war, e);
        }
    }

    /** Every file of the application by its path inside it, in the order they are written. */
    private Map<String, byte[]> entries() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("index.html", page().getBytes(StandardCharsets.UTF_8));
        entries.put("WEB-INF/web.xml", webXml().getBytes(StandardCharsets.UTF_8));
        for (Path jar : libJars) {
            entries.put("WEB-INF/lib/" + jar.getFileName(), Files.readAllBytes(jar));
        }
        return entries;
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
