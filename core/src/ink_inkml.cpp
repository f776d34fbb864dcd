// W3C InkML (Ink Markup Language, W3C Recommendation 20 September 2011), in the subset that
// write_inkml writes. Contexts have a traceFormat of the channels X, Y, T and optionally F,
// OTx and OTy. Traces of explicit decimal values refer to a context, and sit at the top level
// or in traceGroups whose annotation of type "pointerType" names the pointer.
//
// The XML reader is equally small: elements, attributes, character data, comments, CDATA
// sections, the five predefined entities and character references. It rejects DOCTYPE
// declarations (so no entity expansion happens) and namespace prefixes.
#include <cmath>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/ink_formats.hpp"
#include "ink_checks.hpp"
#include "number_text.hpp"

namespace inkprint {

namespace {

using detail::append_utf8;
using detail::format_number;

// Maximum number of elements. A signature file has one per stroke plus a few definitions.
constexpr std::size_t kMaxXmlElements = kMaxInkStrokes * 2 + 1000;

struct XmlElement {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::vector<XmlElement> children;
    std::string text;            // character data directly inside the element
    std::size_t line = 0;        // line of the start tag
    std::size_t text_line = 0;   // line where the first character data starts

    const std::string* attribute(std::string_view key) const {
        for (const auto& [name, value] : attributes) {
            if (name == key) return &value;
        }
        return nullptr;
    }
};

[[noreturn]] void fail_at(std::size_t line, const std::string& message) {
    throw Error("InkML line " + std::to_string(line) + ": " + message);
}

class XmlReader {
public:
    explicit XmlReader(std::string_view text) : text_(text) {}

    XmlElement read_document() {
        if (text_.size() > kMaxInkFileBytes) {
            throw Error("InkML file is " + std::to_string(text_.size()) + " bytes, more than the limit of " +
                        std::to_string(kMaxInkFileBytes) + ": is this a signature file?");
        }
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") advance(3);
        if (starts_with("<?xml")) skip_past("?>", "XML declaration");
        skip_misc();
        if (!starts_with("<")) fail("expected the root element <ink>, found " + describe_next());
        XmlElement root = read_element(1);
        skip_misc();
        if (position_ != text_.size()) fail("unexpected " + describe_next() + " after the root element");
        return root;
    }

private:
    // Skips white space, comments and processing instructions between elements.
    void skip_misc() {
        while (true) {
            while (position_ < text_.size() && is_space(text_[position_])) advance(1);
            if (starts_with("<!--")) {
                skip_past("-->", "comment");
            } else if (starts_with("<!DOCTYPE")) {
                fail("DOCTYPE declarations are not supported: remove it, InkML needs none");
            } else if (starts_with("<?")) {
                skip_past("?>", "processing instruction");
            } else {
                return;
            }
        }
    }

    XmlElement read_element(std::size_t depth) {
        if (depth > kMaxInkNesting) {
            fail("elements are nested more than " + std::to_string(kMaxInkNesting) + " deep");
        }
        if (++element_count_ > kMaxXmlElements) {
            fail("the file has more than " + std::to_string(kMaxXmlElements) + " elements: is this a signature?");
        }
        XmlElement element;
        element.line = line_;
        advance(1);  // '<'
        element.name = read_name("element name");
        if (element.name.find(':') != std::string::npos) {
            fail("element <" + element.name +
                 "> has a namespace prefix, which this reader does not support: declare the InkML "
                 "namespace as the default (xmlns=\"" + kInkmlNamespace + "\") and write names without a prefix");
        }

        while (true) {
            const bool had_space = skip_space();
            if (starts_with("/>")) {
                advance(2);
                return element;
            }
            if (starts_with(">")) {
                advance(1);
                break;
            }
            if (!had_space) fail("expected white space, '>' or '/>' in the start tag of <" + element.name + ">");
            std::string key = read_name("attribute name");
            skip_space();
            expect('=', "'=' after the attribute " + key);
            skip_space();
            std::string value = read_attribute_value(key);
            if (element.attribute(key) != nullptr) fail("attribute " + key + " appears twice on <" + element.name + ">");
            element.attributes.emplace_back(std::move(key), std::move(value));
        }

        while (true) {
            if (position_ >= text_.size()) {
                fail_at(element.line, "element <" + element.name + "> is not closed before the end of the file");
            }
            if (starts_with("</")) {
                advance(2);
                const std::string name = read_name("end tag name");
                skip_space();
                expect('>', "'>' at the end of </" + name + ">");
                if (name != element.name) {
                    fail("end tag </" + name + "> does not match the start tag <" + element.name + "> on line " +
                         std::to_string(element.line));
                }
                return element;
            }
            if (starts_with("<!--")) {
                skip_past("-->", "comment");
            } else if (starts_with("<![CDATA[")) {
                advance(9);
                const std::size_t end = text_.find("]]>", position_);
                if (end == std::string_view::npos) fail("a CDATA section is not closed");
                note_text_start(element);
                element.text += text_.substr(position_, end - position_);
                advance(end + 3 - position_);
            } else if (starts_with("<!") || starts_with("<?")) {
                fail("unexpected " + describe_next() + " inside <" + element.name + ">");
            } else if (starts_with("<")) {
                element.children.push_back(read_element(depth + 1));
            } else {
                read_character_data(element);
            }
        }
    }

    void note_text_start(XmlElement& element) const {
        if (element.text_line == 0) element.text_line = line_;
    }

    void read_character_data(XmlElement& element) {
        while (position_ < text_.size() && text_[position_] != '<') {
            const char c = text_[position_];
            if (c == '&') {
                note_text_start(element);
                element.text += read_reference();
                continue;
            }
            if (!is_space(c)) note_text_start(element);
            element.text += c;
            advance(1);
        }
    }

    std::string read_attribute_value(const std::string& key) {
        if (position_ >= text_.size() || (text_[position_] != '"' && text_[position_] != '\'')) {
            fail("the value of attribute " + key + " must be in quotes, found " + describe_next());
        }
        const char quote = text_[position_];
        advance(1);
        std::string value;
        while (true) {
            if (position_ >= text_.size()) fail("the value of attribute " + key + " is not closed");
            const char c = text_[position_];
            if (c == quote) {
                advance(1);
                return value;
            }
            if (c == '<') fail("the value of attribute " + key + " contains '<', which XML does not allow");
            if (c == '&') {
                value += read_reference();
            } else {
                value += c;
                advance(1);
            }
            if (value.size() > 1024) fail("the value of attribute " + key + " is longer than 1024 characters");
        }
    }

    // Reads an entity or character reference at '&' and returns its UTF-8 text.
    std::string read_reference() {
        const std::size_t end = text_.find(';', position_);
        if (end == std::string_view::npos || end - position_ > 12) {
            fail("'&' does not start a reference such as &amp;: write a literal & as &amp;");
        }
        const std::string_view name = text_.substr(position_ + 1, end - position_ - 1);
        std::string out;
        if (name == "lt") out = "<";
        else if (name == "gt") out = ">";
        else if (name == "amp") out = "&";
        else if (name == "quot") out = "\"";
        else if (name == "apos") out = "'";
        else if (name.size() >= 2 && name[0] == '#') out = character_reference(name);
        else fail("unknown entity &" + std::string(name) + "; (only &lt; &gt; &amp; &quot; &apos; are defined)");
        advance(end + 1 - position_);
        return out;
    }

    std::string character_reference(std::string_view name) {
        const bool hex = name[1] == 'x';
        const std::string_view digits = name.substr(hex ? 2 : 1);
        unsigned long code = 0;
        if (digits.empty()) fail("character reference &" + std::string(name) + "; has no digits");
        for (char c : digits) {
            unsigned digit;
            if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
            else if (hex && c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
            else if (hex && c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
            else fail("character reference &" + std::string(name) + "; has an invalid digit");
            code = code * (hex ? 16 : 10) + digit;
            if (code > 0x10FFFF) break;
        }
        if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            fail("character reference &" + std::string(name) + "; is not a valid character");
        }
        std::string out;
        append_utf8(out, code);
        return out;
    }

    // Reads an XML name. Non-ASCII name characters are accepted as they come.
    std::string read_name(const char* description) {
        const std::size_t start = position_;
        while (position_ < text_.size()) {
            const unsigned char c = static_cast<unsigned char>(text_[position_]);
            const bool name_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                                   c >= 0x80 || (position_ > start && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
            if (!name_char) break;
            advance(1);
            if (position_ - start > 64) fail(std::string(description) + " is longer than 64 characters");
        }
        if (position_ == start) fail(std::string("expected an ") + description + ", found " + describe_next());
        return std::string(text_.substr(start, position_ - start));
    }

    bool skip_space() {
        const std::size_t start = position_;
        while (position_ < text_.size() && is_space(text_[position_])) advance(1);
        return position_ > start;
    }

    void skip_past(std::string_view end, const char* description) {
        const std::size_t found = text_.find(end, position_);
        if (found == std::string_view::npos) fail(std::string("a ") + description + " is not closed with " + std::string(end));
        advance(found + end.size() - position_);
    }

    void expect(char c, const std::string& expected) {
        if (position_ >= text_.size() || text_[position_] != c) fail("expected " + expected + ", found " + describe_next());
        advance(1);
    }

    bool starts_with(std::string_view prefix) const { return text_.substr(position_, prefix.size()) == prefix; }

    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    // Moves forward, counting lines.
    void advance(std::size_t count) {
        for (std::size_t i = 0; i < count && position_ < text_.size(); ++i) {
            if (text_[position_++] == '\n') ++line_;
        }
    }

    std::string describe_next() const {
        return detail::quote_text_at(text_, position_);
    }

    [[noreturn]] void fail(const std::string& message) const { fail_at(line_, message); }

    std::string_view text_;
    std::size_t position_ = 0;
    std::size_t line_ = 1;
    std::size_t element_count_ = 0;
};

// ---- InkML schema ----

enum class Channel { X, Y, T, F, OTx, OTy };

// The channels of one context, in the order their values appear in a trace point.
struct TraceFormat {
    std::vector<Channel> channels;
    bool has(Channel channel) const {
        for (Channel c : channels) {
            if (c == channel) return true;
        }
        return false;
    }
};

std::string describe(const XmlElement& element) { return "<" + element.name + ">"; }

void require_attributes(const XmlElement& element, std::initializer_list<std::string_view> allowed) {
    for (const auto& [name, value] : element.attributes) {
        bool known = false;
        for (std::string_view key : allowed) known = known || name == key;
        if (!known) {
            std::string list;
            for (std::string_view key : allowed) list += (list.empty() ? "" : ", ") + std::string(key);
            fail_at(element.line, "attribute " + name + " on " + describe(element) + " is not supported" +
                                      (list.empty() ? ": this element takes no attributes" : ": it may have " + list));
        }
    }
}

void require_no_text(const XmlElement& element) {
    if (element.text_line != 0) {
        fail_at(element.text_line, describe(element) + " contains text, which this reader does not expect there");
    }
}

// Returns the value of the attribute `key`, or fails with `fix`, the advice on what to add.
const std::string& required_attribute(const XmlElement& element, std::string_view key, std::string_view fix) {
    const std::string* value = element.attribute(key);
    if (value == nullptr) {
        fail_at(element.line, describe(element) + " has no " + std::string(key) + " attribute: " + std::string(fix));
    }
    return *value;
}

[[noreturn]] void fail_unexpected_child(const XmlElement& parent, const XmlElement& child, const char* allowed) {
    fail_at(child.line, "element " + describe(child) + " inside " + describe(parent) +
                            " is not supported: it may contain " + allowed);
}

Channel read_channel(const XmlElement& element) {
    require_attributes(element, {"name", "type", "units", "min", "max"});
    require_no_text(element);
    if (!element.children.empty()) fail_at(element.line, "<channel> must be empty");
    const std::string& name = required_attribute(element, "name", "add name=\"X\", \"Y\", \"T\" or another channel's name");
    const std::string* type = element.attribute("type");
    if (type != nullptr && *type != "decimal" && *type != "integer") {
        fail_at(element.line, "channel " + name + " has type \"" + *type + "\": this reader reads decimal and integer channels");
    }
    const std::string* units = element.attribute("units");
    auto require_units = [&](const char* expected, const char* meaning) {
        if (units == nullptr || *units != expected) {
            fail_at(element.line, "channel " + name + " needs units=\"" + expected + "\" (" + meaning + "), found " +
                                      (units == nullptr ? std::string("none") : "\"" + *units + "\""));
        }
    };
    const std::string* min = element.attribute("min");
    const std::string* max = element.attribute("max");
    if (name == "F") {
        if ((min != nullptr && *min != "0") || (max != nullptr && *max != "1")) {
            fail_at(element.line, "channel F must range from 0 to 1 (min=\"0\" max=\"1\"), the pressure range of Pointer Events");
        }
        return Channel::F;
    }
    if (name == "T") {
        require_units("ms", "milliseconds");
        return Channel::T;
    }
    if (name == "OTx" || name == "OTy") {
        require_units("deg", "degrees");
        return name == "OTx" ? Channel::OTx : Channel::OTy;
    }
    if (name == "X") return Channel::X;
    if (name == "Y") return Channel::Y;
    fail_at(element.line, "channel " + name + " is not supported: this reader reads X, Y, T, F, OTx and OTy");
}

TraceFormat read_trace_format(const XmlElement& element) {
    require_attributes(element, {"xml:id"});
    require_no_text(element);
    TraceFormat format;
    for (const XmlElement& child : element.children) {
        if (child.name != "channel") fail_unexpected_child(element, child, "<channel> elements");
        const Channel channel = read_channel(child);
        if (format.has(channel)) fail_at(child.line, "channel " + *child.attribute("name") + " is declared twice");
        format.channels.push_back(channel);
    }
    for (auto [channel, name] : {std::pair{Channel::X, "X"}, {Channel::Y, "Y"}, {Channel::T, "T"}}) {
        if (!format.has(channel)) {
            fail_at(element.line, std::string("<traceFormat> has no channel ") + name +
                                      ": this reader needs X, Y and T (time in ms)");
        }
    }
    if (format.has(Channel::OTx) != format.has(Channel::OTy)) {
        fail_at(element.line, "<traceFormat> has only one of OTx and OTy: declare both tilt channels or neither");
    }
    return format;
}

std::map<std::string, TraceFormat> read_definitions(const XmlElement& element) {
    require_attributes(element, {});
    require_no_text(element);
    std::map<std::string, TraceFormat> contexts;
    for (const XmlElement& context : element.children) {
        if (context.name != "context") fail_unexpected_child(element, context, "<context> elements");
        require_attributes(context, {"xml:id"});
        require_no_text(context);
        const std::string& id =
            required_attribute(context, "xml:id", "add xml:id=\"ID\", so that traces can name it with contextRef=\"#ID\"");
        if (context.children.size() != 1 || context.children[0].name != "traceFormat") {
            fail_at(context.line, "<context xml:id=\"" + id + "\"> must contain exactly one <traceFormat>");
        }
        if (contexts.count(id) != 0) fail_at(context.line, "context id \"" + id + "\" is defined twice");
        contexts.emplace(id, read_trace_format(context.children[0]));
    }
    return contexts;
}

class InkmlReader {
public:
    InkSignature read(const XmlElement& root) {
        if (root.name != "ink") {
            fail_at(root.line, "the root element is " + describe(root) + ", expected <ink>: is this an InkML file?");
        }
        require_attributes(root, {"xmlns", "documentID"});
        const std::string* ns = root.attribute("xmlns");
        if (ns == nullptr || *ns != kInkmlNamespace) {
            fail_at(root.line, std::string("<ink> must declare xmlns=\"") + kInkmlNamespace + "\", found " +
                                   (ns == nullptr ? std::string("none") : "\"" + *ns + "\""));
        }
        require_no_text(root);

        for (const XmlElement& child : root.children) {
            if (child.name == "definitions") {
                for (auto& [id, format] : read_definitions(child)) {
                    if (!contexts_.emplace(id, format).second) {
                        fail_at(child.line, "context id \"" + id + "\" is defined twice");
                    }
                }
            } else if (child.name == "trace") {
                read_trace(child, "");
            } else if (child.name == "traceGroup") {
                read_trace_group(child);
            } else if (child.name != "annotation") {
                fail_unexpected_child(root, child, "<annotation>, <definitions>, <trace> and <traceGroup>");
            }
        }
        if (ink_.strokes.empty()) fail_at(root.line, "<ink> contains no <trace>: the file has no signature");
        // Every rule was checked while reading, with line numbers. This is a safety net.
        validate_ink(ink_);
        return std::move(ink_);
    }

private:
    void read_trace_group(const XmlElement& group) {
        require_attributes(group, {"xml:id"});
        require_no_text(group);
        std::string pointer_type;
        bool has_pointer_type = false;
        for (const XmlElement& child : group.children) {
            if (child.name != "annotation") continue;
            require_attributes(child, {"type"});
            const std::string* type = child.attribute("type");
            if (type == nullptr || *type != "pointerType") continue;
            if (has_pointer_type) fail_at(child.line, "<traceGroup> has two pointerType annotations: keep one");
            has_pointer_type = true;
            pointer_type = trim(child.text);
        }
        for (const XmlElement& child : group.children) {
            if (child.name == "trace") {
                read_trace(child, pointer_type);
            } else if (child.name != "annotation") {
                fail_unexpected_child(group, child, "<annotation> and <trace> elements");
            }
        }
    }

    void read_trace(const XmlElement& trace, const std::string& pointer_type) {
        require_attributes(trace, {"contextRef", "xml:id", "type"});
        if (!trace.children.empty()) fail_at(trace.children[0].line, "<trace> must contain only its points");
        const std::string* type = trace.attribute("type");
        if (type != nullptr && *type != "penDown") {
            fail_at(trace.line, "<trace type=\"" + *type + "\"> is not supported: a signature has pen-down traces only");
        }
        const std::string& reference = required_attribute(
            trace, "contextRef", "add contextRef=\"#ID\", naming the xml:id of a <context> in <definitions>");
        const auto context = reference.size() > 1 && reference[0] == '#' ? contexts_.find(reference.substr(1))
                                                                            : contexts_.end();
        if (context == contexts_.end()) {
            fail_at(trace.line, "<trace> refers to context \"" + reference +
                                    "\", which no <context> in <definitions> before it defines (write contextRef=\"#id\")");
        }
        if (ink_.strokes.size() >= kMaxInkStrokes) {
            fail_at(trace.line, "the file has more than " + std::to_string(kMaxInkStrokes) + " traces: is this a signature?");
        }
        const TraceFormat& format = context->second;
        const std::size_t s = ink_.strokes.size();
        InkStroke& stroke = ink_.strokes.emplace_back();
        stroke.pointer_type = pointer_type;
        stroke.has_pressure = format.has(Channel::F);
        stroke.has_tilt = format.has(Channel::OTx);
        read_points(trace, format, stroke, s);
        checked(trace.line, [&] { detail::check_stroke(stroke, s); });
    }

    void read_points(const XmlElement& trace, const TraceFormat& format, InkStroke& stroke, std::size_t s) {
        const std::string_view text = trace.text;
        const std::size_t first = text.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos) fail_at(trace.line, "<trace> contains no points");

        // trace.text_line is the line of text[first]. Each point's line is counted from there.
        std::size_t line = trace.text_line;
        std::size_t counted = first;
        std::size_t position = first;
        while (true) {
            std::size_t end = text.find(',', position);
            if (end == std::string_view::npos) end = text.size();
            std::size_t value_start = text.find_first_not_of(" \t\r\n", position);
            if (value_start == std::string_view::npos || value_start > end) value_start = end;
            line += count_lines(text.substr(counted, value_start - counted));
            counted = value_start;
            read_point(text.substr(position, end - position), line, format, stroke, s);
            if (end == text.size()) break;
            position = end + 1;
        }
    }

    void read_point(std::string_view text, std::size_t line, const TraceFormat& format, InkStroke& stroke,
                    std::size_t s) {
        const std::size_t i = stroke.samples.size();
        InkSample sample;
        std::size_t count = 0;
        std::size_t position = 0;
        while (true) {
            while (position < text.size() && is_space(text[position])) ++position;
            if (position == text.size()) break;
            std::size_t end = position;
            while (end < text.size() && !is_space(text[end])) ++end;
            const std::string_view token = text.substr(position, end - position);
            if (count == format.channels.size()) {
                fail_at(line, "trace point " + std::to_string(i + 1) + " has more values than the " +
                                  std::to_string(format.channels.size()) + " channels of its traceFormat");
            }
            double value = 0;
            if (!detail::parse_number(token, detail::NumberSyntax::Decimal, value)) {
                fail_at(line, "trace point " + std::to_string(i + 1) + " has '" + std::string(token.substr(0, 24)) +
                                  "' where a decimal number is expected (difference encodings such as ' and \" "
                                  "are not supported)");
            }
            switch (format.channels[count]) {
                case Channel::X: sample.x = value; break;
                case Channel::Y: sample.y = value; break;
                case Channel::T: sample.t_ms = value; break;
                case Channel::F: sample.pressure = value; break;
                case Channel::OTx: sample.tilt_x = value; break;
                case Channel::OTy: sample.tilt_y = value; break;
            }
            ++count;
            position = end;
        }
        if (count != format.channels.size()) {
            fail_at(line, "trace point " + std::to_string(i + 1) + " has " + std::to_string(count) +
                              " values, but its traceFormat has " + std::to_string(format.channels.size()) + " channels");
        }
        stroke.samples.push_back(sample);
        checked(line, [&] { detail::check_sample(stroke, s, i, previous_t_); });
        previous_t_ = sample.t_ms;
    }

    template <typename Check>
    static void checked(std::size_t line, Check&& check) {
        try {
            check();
        } catch (const Error& error) {
            fail_at(line, error.what());
        }
    }

    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    static std::size_t count_lines(std::string_view text) {
        std::size_t lines = 0;
        for (char c : text) lines += c == '\n' ? 1 : 0;
        return lines;
    }

    static std::string trim(const std::string& text) {
        const std::size_t start = text.find_first_not_of(" \t\r\n");
        if (start == std::string::npos) return "";
        const std::size_t end = text.find_last_not_of(" \t\r\n");
        return text.substr(start, end - start + 1);
    }

    std::map<std::string, TraceFormat> contexts_;
    InkSignature ink_;
    double previous_t_ = -INFINITY;
};

// Context id for a combination of channels, as write_inkml names them.
std::string context_id(bool pressure, bool tilt) {
    return std::string("xyt") + (pressure ? "f" : "") + (tilt ? "-tilt" : "");
}

}  // namespace

InkSignature parse_inkml(std::string_view text) {
    const XmlElement root = XmlReader(text).read_document();
    return InkmlReader().read(root);
}

std::string write_inkml(const InkSignature& ink) {
    validate_ink(ink);
    std::string out;
    out.reserve(ink.sample_count() * 48 + 1024);
    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += std::string("<ink xmlns=\"") + kInkmlNamespace + "\">\n";
    out += "  <definitions>\n";
    for (const bool pressure : {false, true}) {
        for (const bool tilt : {false, true}) {
            bool used = false;
            for (const InkStroke& stroke : ink.strokes) {
                used = used || (stroke.has_pressure == pressure && stroke.has_tilt == tilt);
            }
            if (!used) continue;
            out += "    <context xml:id=\"" + context_id(pressure, tilt) + "\">\n      <traceFormat>\n";
            out += "        <channel name=\"X\" type=\"decimal\"/>\n";
            out += "        <channel name=\"Y\" type=\"decimal\"/>\n";
            out += "        <channel name=\"T\" type=\"decimal\" units=\"ms\"/>\n";
            if (pressure) out += "        <channel name=\"F\" type=\"decimal\" min=\"0\" max=\"1\"/>\n";
            if (tilt) {
                out += "        <channel name=\"OTx\" type=\"decimal\" units=\"deg\"/>\n";
                out += "        <channel name=\"OTy\" type=\"decimal\" units=\"deg\"/>\n";
            }
            out += "      </traceFormat>\n    </context>\n";
        }
    }
    out += "  </definitions>\n";

    // Consecutive strokes of one pointer type share a traceGroup whose annotation names it.
    std::size_t s = 0;
    while (s < ink.strokes.size()) {
        const std::string& pointer_type = ink.strokes[s].pointer_type;
        const bool grouped = !pointer_type.empty();
        const std::string indent = grouped ? "    " : "  ";
        if (grouped) {
            // validate_ink allows only a-z, 0-9 and '-' in pointer types, so no escaping is needed.
            out += "  <traceGroup>\n    <annotation type=\"pointerType\">" + pointer_type + "</annotation>\n";
        }
        for (; s < ink.strokes.size() && ink.strokes[s].pointer_type == pointer_type; ++s) {
            const InkStroke& stroke = ink.strokes[s];
            out += indent + "<trace contextRef=\"#" + context_id(stroke.has_pressure, stroke.has_tilt) + "\">\n";
            for (std::size_t i = 0; i < stroke.samples.size(); ++i) {
                const InkSample& sample = stroke.samples[i];
                // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on a chain of + here.
                out += indent;
                out += "  ";
                out += format_number(sample.x);
                out += ' ';
                out += format_number(sample.y);
                out += ' ';
                out += format_number(sample.t_ms);
                if (stroke.has_pressure) {
                    out += ' ';
                    out += format_number(sample.pressure);
                }
                if (stroke.has_tilt) {
                    out += ' ';
                    out += format_number(sample.tilt_x);
                    out += ' ';
                    out += format_number(sample.tilt_y);
                }
                out += i + 1 < stroke.samples.size() ? ",\n" : "\n";
            }
            out += indent + "</trace>\n";
        }
        if (grouped) out += "  </traceGroup>\n";
    }
    out += "</ink>\n";
    return out;
}

}  // namespace inkprint
