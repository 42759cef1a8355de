package io.flotilla.compose;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command written as one string into words as a POSIX shell would, without expanding
 * anything: whitespace separates, single quotes are literal, double quotes allow backslash
 * escapes, a backslash outside quotes escapes the next character.
 */
final class ShellWords {
    private ShellWords() {}

    /** The words, or null when a quote is not closed. */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '\'') {
                int close = line.indexOf('\'', i + 1);
                if (close < 0) {
                    return null;
                }
                word.append(line, i + 1, close);
                inWord = true;
                i = close;
            } else if (c == '"') {
                int j = i + 1;
                while (j < line.length() && line.charAt(j) != '"') {
                    char d = line.charAt(j);
                    if (d == '\\' && j + 1 < line.length() && "\"\\$`\n".indexOf(line.charAt(j + 1)) >= 0) {
                        word.append(line.charAt(j + 1));
                        j += 2;
                    } else {
                        word.append(d);
                        j++;
                    }
                }
                if (j >= line.length()) {
                    return null;
                }
                inWord = true;
                i = j;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
