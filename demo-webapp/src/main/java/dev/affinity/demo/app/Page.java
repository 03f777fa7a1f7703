package dev.affinity.demo.app;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;

/** Plain, readable HTML around a body, with every interpolated value escaped. */
final class Page {

    private Page() {
    }

    static void write(HttpServletResponse response, String title, String node, String body) throws IOException {
        response.setContentType("text/html; charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        PrintWriter out = response.getWriter();
        out.print("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>%s</title>
                <style>
                  body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
                  .node { font-size: 2.2rem; font-weight: bold; color: #0b5; }
                  table { border-collapse: collapse; margin: 1rem 0; }
                  td, th { text-align: left; padding: .35rem .8rem; border-bottom: 1px solid #ddd; }
                  button, input { font-size: 1rem; padding: .4rem .8rem; }
                  nav a { margin-right: 1rem; }
                  .hint { color: #666; font-size: .9rem; }
                </style></head>
                <body>
                <nav><a href="/">Home</a><a href="/login">Log in</a><a href="/cookie">Cookie domain</a><a href="/api/whoami">/api/whoami</a></nav>
                <p>Served by <span class="node" id="node">%s</span></p>
                %s
                </body></html>
                """.formatted(escape(title), escape(node), body));
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A JSON string literal. */
    static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
