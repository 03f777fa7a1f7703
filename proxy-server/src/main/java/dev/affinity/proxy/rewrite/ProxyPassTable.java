package dev.affinity.proxy.rewrite;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Thread-safe (immutable). The ProxyPass and ProxyPassMatch rules in config order: the first rule
 * that matches decides, whether it maps or excludes.
 */
public final class ProxyPassTable {

    private final List<ProxyPass> rules;
    private final List<Pattern> compiled;

    public ProxyPassTable(List<ProxyPass> rules) {
        this.rules = List.copyOf(rules);
        List<Pattern> patterns = new ArrayList<>();
        for (ProxyPass rule : this.rules) {
            patterns.add(rule.compiled());
        }
        this.compiled = patterns;
    }

    public List<ProxyPass> rules() {
        return rules;
    }

    /** The outcome of the first matching rule, or empty when no rule matches (the proxy answers 404). */
    public Optional<ProxyPass.Outcome> map(String path, String query) {
        for (int i = 0; i < rules.size(); i++) {
            Optional<ProxyPass.Outcome> outcome = rules.get(i).map(path, query, compiled.get(i));
            if (outcome.isPresent()) {
                return outcome;
            }
        }
        return Optional.empty();
    }
}
