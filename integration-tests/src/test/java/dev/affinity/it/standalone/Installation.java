package dev.affinity.it.standalone;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What pre-integration-test laid out under {@code target/} (see this module's pom): the unpacked
 * Tomcat and Jetty distributions, the two filter jars as a user downloads them, and where each
 * test's CATALINA_BASE or JETTY_BASE goes.
 */
public enum Installation {
    TOMCAT_11("it.tomcat11.home", ""),
    TOMCAT_9("it.tomcat9.home", ""),
    JETTY_12("it.jetty12.home", ""),
    JAKARTA_FILTER_JAR("it.filter.jars", "affinity-backend-filter.jar"),
    JAVAX_FILTER_JAR("it.filter.jars", "affinity-backend-filter-javax.jar"),
    DEMO_WAR("it.demo.war", ""),
    /** Created by the tests, so it need not exist yet. */
    CATALINA_BASES("it.catalina.bases", ""),
    /** Created by the tests, so it need not exist yet. */
    JETTY_BASES("it.jetty.bases", "");

    private final String property;
    private final String child;

    Installation(String property, String child) {
        this.property = property;
        this.child = child;
    }

    /** The directory or file; fails with the reason when the test runs outside {@code mvn verify}. */
    public Path path() {
        String dir = System.getProperty(property);
        if (dir == null) {
            throw new IllegalStateException("system property " + property + " is not set (expected: run the *IT "
                    + "classes through ./mvnw verify, whose pre-integration-test phase unpacks Tomcat and Jetty "
                    + "and copies the jars)");
        }
        Path path = Path.of(dir).resolve(child).toAbsolutePath().normalize();
        if (!createdByTests() && !Files.exists(path)) {
            throw new IllegalStateException(property + ": " + path + " does not exist (expected: the output of "
                    + "maven-dependency-plugin in pre-integration-test)");
        }
        return path;
    }

    private boolean createdByTests() {
        return this == CATALINA_BASES || this == JETTY_BASES;
    }
}
