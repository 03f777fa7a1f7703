package dev.affinity.proxy.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns httpd configuration text into a tree of {@link Directive}s, following httpd's own rules:
 * a line ending in {@code \} continues on the next, a line whose first non-blank character is
 * {@code #} is a comment (httpd has no trailing comments), arguments are separated by white space
 * and may be quoted with {@code "} or {@code '}, and {@code <Name args>} … {@code </Name>} nest.
 */
final class ConfigLexer {

    /** name, first word, rest of the line */
    private static final Pattern RAW_ARGS = Pattern.compile("(\\S+)(?:\\s+(\\S+))?(?:\\s+(.+))?");

    private final String file;

    ConfigLexer(String file) {
        this.file = file;
    }

    List<Directive> read(String text) {
        Deque<OpenSection> open = new ArrayDeque<>();
        List<Directive> top = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int firstLine = i + 1;
            StringBuilder logical = new StringBuilder(lines[i]);
            while (endsWithContinuation(logical) && i + 1 < lines.length) {
                logical.setLength(logical.length() - 1);
                logical.append(' ').append(lines[++i]);
            }
            String line = logical.toString().strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            SourceLocation where = new SourceLocation(file, firstLine);
            List<Directive> siblings = open.isEmpty() ? top : open.peek().children;
            if (line.startsWith("</")) {
                close(open, line, where, top);
            } else if (line.startsWith("<")) {
                if (!line.endsWith(">")) {
                    throw new ConfigException(where, "section line '" + line + "' does not end with '>'");
                }
                List<String> words = words(line.substring(1, line.length() - 1), where);
                if (words.isEmpty()) {
                    throw new ConfigException(where, "empty section '<>'");
                }
                open.push(new OpenSection(words.get(0), words.subList(1, words.size()), where, siblings));
            } else {
                List<String> words = isRawArgs(line) ? rawArgs(line) : words(line, where);
                siblings.add(new Directive(words.get(0), words.subList(1, words.size()), List.of(), false, where));
            }
        }
        if (!open.isEmpty()) {
            OpenSection unclosed = open.peek();
            throw new ConfigException(unclosed.where,
                    "<" + unclosed.name + "> is never closed (expected: </" + unclosed.name + ">)");
        }
        return top;
    }

    private static boolean endsWithContinuation(CharSequence line) {
        return line.length() > 0 && line.charAt(line.length() - 1) == '\\';
    }

    private static void close(Deque<OpenSection> open, String line, SourceLocation where, List<Directive> top) {
        String name = line.substring(2, line.endsWith(">") ? line.length() - 1 : line.length()).strip();
        if (open.isEmpty()) {
            throw new ConfigException(where, "</" + name + "> closes a section that was never opened");
        }
        OpenSection section = open.pop();
        if (!section.name.equalsIgnoreCase(name)) {
            throw new ConfigException(where, "</" + name + "> closes <" + section.name + "> opened at line "
                    + section.where.line() + " (expected: </" + section.name + ">)");
        }
        section.parentChildren.add(new Directive(section.name, section.args, section.children, true, section.where));
    }

    /**
     * ProxyHCExpr is one of httpd's RAW_ARGS directives: a name, then an expression whose quotes,
     * braces and spacing belong to ap_expr, not to the config syntax.
     */
    private static boolean isRawArgs(String line) {
        return line.regionMatches(true, 0, "ProxyHCExpr", 0, "ProxyHCExpr".length())
                && (line.length() == "ProxyHCExpr".length() || Character.isWhitespace(line.charAt("ProxyHCExpr".length())));
    }

    /**
     * The directive's name and first word, then the rest of the line as one argument, verbatim
     * (httpd's ap_getword_conf2 takes a {@code {…}} group whole).
     */
    private static List<String> rawArgs(String line) {
        Matcher m = RAW_ARGS.matcher(line);
        List<String> words = new ArrayList<>();
        if (m.matches()) {
            for (int group = 1; group <= 3; group++) {
                if (m.group(group) != null) {
                    words.add(m.group(group));
                }
            }
        }
        return words;
    }

    /** httpd's ap_getword_conf: white space separates, quotes group, a backslash escapes the quote. */
    static List<String> words(String line, SourceLocation where) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            StringBuilder word = new StringBuilder();
            if (c == '"' || c == '\'') {
                int end = i + 1;
                while (end < n && line.charAt(end) != c) {
                    if (line.charAt(end) == '\\' && end + 1 < n && line.charAt(end + 1) == c) {
                        end++;
                    }
                    word.append(line.charAt(end));
                    end++;
                }
                if (end >= n) {
                    throw new ConfigException(where, "unterminated quote " + c + " in '" + line + "'");
                }
                i = end + 1;
            } else {
                while (i < n && !Character.isWhitespace(line.charAt(i))) {
                    word.append(line.charAt(i++));
                }
            }
            words.add(word.toString());
        }
        return words;
    }

    private static final class OpenSection {
        final String name;
        final List<String> args;
        final SourceLocation where;
        final List<Directive> parentChildren;
        final List<Directive> children = new ArrayList<>();

        OpenSection(String name, List<String> args, SourceLocation where, List<Directive> parentChildren) {
            this.name = name;
            this.args = List.copyOf(args);
            this.where = where;
            this.parentChildren = parentChildren;
        }
    }
}
