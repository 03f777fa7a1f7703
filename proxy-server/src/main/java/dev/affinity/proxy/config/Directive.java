package dev.affinity.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;

/**
 * One directive of an httpd-style file, or one section ({@code <Proxy balancer://x> … </Proxy>})
 * with the directives it encloses.
 *
 * @param name     the name as written, without {@code <} for a section
 * @param args     the arguments, unquoted
 * @param children the enclosed directives; empty for a plain directive
 * @param section  whether this is a {@code <Name …>} section
 * @param where    the file and line it starts on
 */
public record Directive(String name, List<String> args, List<Directive> children, boolean section,
                        SourceLocation where) {

    public Directive {
        requireNonNull(name, "name");
        args = List.copyOf(args);
        children = List.copyOf(children);
        requireNonNull(where, "where");
    }

    /** Directive names are case-insensitive in httpd. */
    public boolean is(String directiveName) {
        return name.equalsIgnoreCase(directiveName);
    }

    public String lowerName() {
        return name.toLowerCase(Locale.ROOT);
    }

    /** Shown in messages the way the user wrote it. */
    public String display() {
        return section ? "<" + name + ">" : name;
    }

    public ConfigException error(String what) {
        return new ConfigException(where, what);
    }
}
