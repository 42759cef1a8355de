package io.flotilla.compose;

import java.util.ArrayList;
import java.util.List;

/**
 * A place in a compose document: field names and array indexes from the root. It has two
 * spellings: a JSON pointer ({@code /services/web/ports/0}), used to find source locations and
 * to match the schema validator's instance locations, and the key users read
 * ({@code services.web.ports[0]}).
 */
record NodePath(List<Object> elements) {
    static final NodePath ROOT = new NodePath(List.of());

    NodePath {
        elements = List.copyOf(elements);
    }

    NodePath child(String name) {
        List<Object> next = new ArrayList<>(elements);
        next.add(name);
        return new NodePath(next);
    }

    NodePath child(int index) {
        List<Object> next = new ArrayList<>(elements);
        next.add(index);
        return new NodePath(next);
    }

    NodePath parent() {
        return elements.isEmpty() ? this : new NodePath(elements.subList(0, elements.size() - 1));
    }

    boolean isRoot() {
        return elements.isEmpty();
    }

    String pointer() {
        StringBuilder text = new StringBuilder();
        for (Object element : elements) {
            text.append('/').append(element.toString().replace("~", "~0").replace("/", "~1"));
        }
        return text.toString();
    }

    String key() {
        StringBuilder text = new StringBuilder();
        for (Object element : elements) {
            if (element instanceof Integer index) {
                text.append('[').append(index).append(']');
            } else {
                if (!text.isEmpty()) {
                    text.append('.');
                }
                text.append(element);
            }
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return key();
    }
}
