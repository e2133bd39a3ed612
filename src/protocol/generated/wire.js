/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError, $TypeError = $util.global.TypeError, $Number = $util.global.Number, $String = $util.global.String, $Array = $util.global.Array, $Boolean = $util.global.Boolean, $parseInt = $util.global.parseInt, $BigInt = $util.global.BigInt;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const wakubot = $root.wakubot = (() => {

    /**
     * Namespace wakubot.
     * @exports wakubot
     * @namespace
     */
    const wakubot = {};

    wakubot.Envelope = (function() {

        /**
         * Properties of an Envelope.
         * @typedef {Object} wakubot.Envelope.$Properties
         * @property {number|null} [version] Envelope version
         * @property {Uint8Array|null} [tag] Envelope tag
         * @property {Uint8Array|null} [header] Envelope header
         * @property {Uint8Array|null} [ciphertext] Envelope ciphertext
         * @property {Uint8Array|null} [ephemeral] Envelope ephemeral
         * @property {Uint8Array|null} [sealedIdentity] Envelope sealedIdentity
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an Envelope.
         * @memberof wakubot
         * @interface IEnvelope
         * @augments wakubot.Envelope.$Properties
         * @deprecated Use wakubot.Envelope.$Properties instead.
         */

        /**
         * Shape of an Envelope.
         * @typedef {wakubot.Envelope.$Properties} wakubot.Envelope.$Shape
         */

        /**
         * Constructs a new Envelope.
         * @memberof wakubot
         * @classdesc Represents an Envelope.
         * @constructor
         * @param {wakubot.Envelope.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const Envelope = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Envelope version.
         * @member {number} version
         * @memberof wakubot.Envelope
         * @instance
         */
        Envelope.prototype.version = 0;

        /**
         * Envelope tag.
         * @member {Uint8Array} tag
         * @memberof wakubot.Envelope
         * @instance
         */
        Envelope.prototype.tag = $util.newBuffer([]);

        /**
         * Envelope header.
         * @member {Uint8Array} header
         * @memberof wakubot.Envelope
         * @instance
         */
        Envelope.prototype.header = $util.newBuffer([]);

        /**
         * Envelope ciphertext.
         * @member {Uint8Array} ciphertext
         * @memberof wakubot.Envelope
         * @instance
         */
        Envelope.prototype.ciphertext = $util.newBuffer([]);

        /**
         * Envelope ephemeral.
         * @member {Uint8Array} ephemeral
         * @memberof wakubot.Envelope
         * @instance
         */
        Envelope.prototype.ephemeral = $util.newBuffer([]);

        /**
         * Envelope sealedIdentity.
         * @member {Uint8Array} sealedIdentity
         * @memberof wakubot.Envelope
         * @instance
         */
        Envelope.prototype.sealedIdentity = $util.newBuffer([]);

        /**
         * Creates a new Envelope instance using the specified properties.
         * @function create
         * @memberof wakubot.Envelope
         * @static
         * @param {wakubot.Envelope.$Properties=} [properties] Properties to set
         * @returns {wakubot.Envelope} Envelope instance
         * @type {{
         *   (properties: wakubot.Envelope.$Shape): wakubot.Envelope & wakubot.Envelope.$Shape;
         *   (properties?: wakubot.Envelope.$Properties): wakubot.Envelope;
         * }}
         */
        Envelope.create = function(properties) {
            return new Envelope(properties);
        };

        /**
         * Encodes the specified Envelope message. Does not implicitly {@link wakubot.Envelope.verify|verify} messages.
         * @function encode
         * @memberof wakubot.Envelope
         * @static
         * @param {wakubot.Envelope.$Properties} message Envelope message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Envelope.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.version);
            if (message.tag != null && $Object.hasOwnProperty.call(message, "tag") && message.tag.length)
                writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.tag);
            if (message.header != null && $Object.hasOwnProperty.call(message, "header") && message.header.length)
                writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.header);
            if (message.ciphertext != null && $Object.hasOwnProperty.call(message, "ciphertext") && message.ciphertext.length)
                writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.ciphertext);
            if (message.ephemeral != null && $Object.hasOwnProperty.call(message, "ephemeral") && message.ephemeral.length)
                writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.ephemeral);
            if (message.sealedIdentity != null && $Object.hasOwnProperty.call(message, "sealedIdentity") && message.sealedIdentity.length)
                writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.sealedIdentity);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an Envelope message from the specified reader or buffer.
         * @function decode
         * @memberof wakubot.Envelope
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {wakubot.Envelope & wakubot.Envelope.$Shape} Envelope
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Envelope.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.wakubot.Envelope();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.version = value;
                        else
                            delete message.version;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.tag = value;
                        else
                            delete message.tag;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.header = value;
                        else
                            delete message.header;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.ciphertext = value;
                        else
                            delete message.ciphertext;
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.ephemeral = value;
                        else
                            delete message.ephemeral;
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.sealedIdentity = value;
                        else
                            delete message.sealedIdentity;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * Creates an Envelope message from a plain object. Also converts values to their respective internal types.
         * @function fromObject
         * @memberof wakubot.Envelope
         * @static
         * @param {Object.<string,*>} object Plain object
         * @returns {wakubot.Envelope} Envelope
         */
        Envelope.fromObject = function (object, _depth) {
            if (object instanceof $root.wakubot.Envelope)
                return object;
            if (!$util.isObject(object))
                throw $TypeError(".wakubot.Envelope: object expected");
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let message = new $root.wakubot.Envelope();
            if (object.version != null)
                if ($Number(object.version) !== 0)
                    message.version = object.version >>> 0;
            if (object.tag != null)
                if (object.tag.length)
                    if (typeof object.tag === "string")
                        $util.base64.decode(object.tag, message.tag = $util.newBuffer($util.base64.length(object.tag)), 0);
                    else if (object.tag.length >= 0)
                        message.tag = object.tag;
            if (object.header != null)
                if (object.header.length)
                    if (typeof object.header === "string")
                        $util.base64.decode(object.header, message.header = $util.newBuffer($util.base64.length(object.header)), 0);
                    else if (object.header.length >= 0)
                        message.header = object.header;
            if (object.ciphertext != null)
                if (object.ciphertext.length)
                    if (typeof object.ciphertext === "string")
                        $util.base64.decode(object.ciphertext, message.ciphertext = $util.newBuffer($util.base64.length(object.ciphertext)), 0);
                    else if (object.ciphertext.length >= 0)
                        message.ciphertext = object.ciphertext;
            if (object.ephemeral != null)
                if (object.ephemeral.length)
                    if (typeof object.ephemeral === "string")
                        $util.base64.decode(object.ephemeral, message.ephemeral = $util.newBuffer($util.base64.length(object.ephemeral)), 0);
                    else if (object.ephemeral.length >= 0)
                        message.ephemeral = object.ephemeral;
            if (object.sealedIdentity != null)
                if (object.sealedIdentity.length)
                    if (typeof object.sealedIdentity === "string")
                        $util.base64.decode(object.sealedIdentity, message.sealedIdentity = $util.newBuffer($util.base64.length(object.sealedIdentity)), 0);
                    else if (object.sealedIdentity.length >= 0)
                        message.sealedIdentity = object.sealedIdentity;
            return message;
        };

        /**
         * Creates a plain object from an Envelope message. Also converts values to other types if specified.
         * @function toObject
         * @memberof wakubot.Envelope
         * @static
         * @param {wakubot.Envelope} message Envelope
         * @param {$protobuf.IConversionOptions} [options] Conversion options
         * @returns {Object.<string,*>} Plain object
         */
        Envelope.toObject = function (message, options, _depth) {
            if (!options)
                options = {};
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let object = {};
            if (options.defaults) {
                object.version = 0;
                if (options.bytes === $String)
                    object.tag = "";
                else {
                    object.tag = [];
                    if (options.bytes !== $Array)
                        object.tag = $util.newBuffer(object.tag);
                }
                if (options.bytes === $String)
                    object.header = "";
                else {
                    object.header = [];
                    if (options.bytes !== $Array)
                        object.header = $util.newBuffer(object.header);
                }
                if (options.bytes === $String)
                    object.ciphertext = "";
                else {
                    object.ciphertext = [];
                    if (options.bytes !== $Array)
                        object.ciphertext = $util.newBuffer(object.ciphertext);
                }
                if (options.bytes === $String)
                    object.ephemeral = "";
                else {
                    object.ephemeral = [];
                    if (options.bytes !== $Array)
                        object.ephemeral = $util.newBuffer(object.ephemeral);
                }
                if (options.bytes === $String)
                    object.sealedIdentity = "";
                else {
                    object.sealedIdentity = [];
                    if (options.bytes !== $Array)
                        object.sealedIdentity = $util.newBuffer(object.sealedIdentity);
                }
            }
            if (message.version != null && $Object.hasOwnProperty.call(message, "version"))
                object.version = message.version;
            if (message.tag != null && $Object.hasOwnProperty.call(message, "tag"))
                object.tag = options.bytes === $String ? $util.base64.encode(message.tag, 0, message.tag.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.tag) : message.tag;
            if (message.header != null && $Object.hasOwnProperty.call(message, "header"))
                object.header = options.bytes === $String ? $util.base64.encode(message.header, 0, message.header.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.header) : message.header;
            if (message.ciphertext != null && $Object.hasOwnProperty.call(message, "ciphertext"))
                object.ciphertext = options.bytes === $String ? $util.base64.encode(message.ciphertext, 0, message.ciphertext.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.ciphertext) : message.ciphertext;
            if (message.ephemeral != null && $Object.hasOwnProperty.call(message, "ephemeral"))
                object.ephemeral = options.bytes === $String ? $util.base64.encode(message.ephemeral, 0, message.ephemeral.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.ephemeral) : message.ephemeral;
            if (message.sealedIdentity != null && $Object.hasOwnProperty.call(message, "sealedIdentity"))
                object.sealedIdentity = options.bytes === $String ? $util.base64.encode(message.sealedIdentity, 0, message.sealedIdentity.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.sealedIdentity) : message.sealedIdentity;
            return object;
        };

        /**
         * Converts this Envelope to JSON.
         * @function toJSON
         * @memberof wakubot.Envelope
         * @instance
         * @returns {Object.<string,*>} JSON object
         */
        Envelope.prototype.toJSON = function() {
            return Envelope.toObject(this, $protobuf.util.toJSONOptions);
        };

        /**
         * Gets the type url for Envelope
         * @function getTypeUrl
         * @memberof wakubot.Envelope
         * @static
         * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns {string} The type url
         */
        Envelope.getTypeUrl = function(prefix) {
            if (prefix === $undefined)
                prefix = "type.googleapis.com";
            return prefix + "/wakubot.Envelope";
        };

        return Envelope;
    })();

    wakubot.Frame = (function() {

        /**
         * Properties of a Frame.
         * @typedef {Object} wakubot.Frame.$Properties
         * @property {number|null} [builtin] Frame builtin
         * @property {string|null} [custom] Frame custom
         * @property {number|null} [typeVersion] Frame typeVersion
         * @property {Uint8Array|null} [body] Frame body
         * @property {number|null} [seq] Frame seq
         * @property {number|null} [ack] Frame ack
         * @property {Uint8Array|null} [ackBits] Frame ackBits
         * @property {number|null} [sent] Frame sent
         * @property {number|null} [ackHoldS] Frame ackHoldS
         * @property {"builtin"|"custom"} [type] Frame type
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a Frame.
         * @memberof wakubot
         * @interface IFrame
         * @augments wakubot.Frame.$Properties
         * @deprecated Use wakubot.Frame.$Properties instead.
         */

        /**
         * Narrowed shape of a Frame.
         * @typedef {{
         *   builtin?: number|null;
         *   custom?: string|null;
         *   typeVersion?: number|null;
         *   body?: Uint8Array|null;
         *   seq?: number|null;
         *   ack?: number|null;
         *   ackBits?: Uint8Array|null;
         *   sent?: number|null;
         *   ackHoldS?: number|null;
         *   $unknowns?: Array.<Uint8Array>;
         * } & (
         *   ({ type?: undefined; builtin?: null; custom?: null }|{ type?: "builtin"; builtin: number; custom?: null }|{ type?: "custom"; builtin?: null; custom: string })
         * )} wakubot.Frame.$Shape
         */

        /**
         * Constructs a new Frame.
         * @memberof wakubot
         * @classdesc Represents a Frame.
         * @constructor
         * @param {wakubot.Frame.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const Frame = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Frame builtin.
         * @member {number|null|undefined} builtin
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.builtin = null;

        /**
         * Frame custom.
         * @member {string|null|undefined} custom
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.custom = null;

        /**
         * Frame typeVersion.
         * @member {number} typeVersion
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.typeVersion = 0;

        /**
         * Frame body.
         * @member {Uint8Array} body
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.body = $util.newBuffer([]);

        /**
         * Frame seq.
         * @member {number} seq
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.seq = 0;

        /**
         * Frame ack.
         * @member {number} ack
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.ack = 0;

        /**
         * Frame ackBits.
         * @member {Uint8Array} ackBits
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.ackBits = $util.newBuffer([]);

        /**
         * Frame sent.
         * @member {number} sent
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.sent = 0;

        /**
         * Frame ackHoldS.
         * @member {number} ackHoldS
         * @memberof wakubot.Frame
         * @instance
         */
        Frame.prototype.ackHoldS = 0;

        // OneOf field names bound to virtual getters and setters
        let $oneOfFields;

        /**
         * Frame type.
         * @member {"builtin"|"custom"|undefined} type
         * @memberof wakubot.Frame
         * @instance
         */
        $Object.defineProperty(Frame.prototype, "type", {
            get: $util.oneOfGetter($oneOfFields = ["builtin", "custom"]),
            set: $util.oneOfSetter($oneOfFields)
        });

        /**
         * Creates a new Frame instance using the specified properties.
         * @function create
         * @memberof wakubot.Frame
         * @static
         * @param {wakubot.Frame.$Properties=} [properties] Properties to set
         * @returns {wakubot.Frame} Frame instance
         * @type {{
         *   (properties: wakubot.Frame.$Shape): wakubot.Frame & wakubot.Frame.$Shape;
         *   (properties?: wakubot.Frame.$Properties): wakubot.Frame;
         * }}
         */
        Frame.create = function(properties) {
            return new Frame(properties);
        };

        /**
         * Encodes the specified Frame message. Does not implicitly {@link wakubot.Frame.verify|verify} messages.
         * @function encode
         * @memberof wakubot.Frame
         * @static
         * @param {wakubot.Frame.$Properties} message Frame message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Frame.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.builtin != null && $Object.hasOwnProperty.call(message, "builtin"))
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.builtin);
            if (message.custom != null && $Object.hasOwnProperty.call(message, "custom"))
                writer.uint32(/* id 2, wireType 2 =*/18).string(message.custom);
            if (message.typeVersion != null && $Object.hasOwnProperty.call(message, "typeVersion") && message.typeVersion !== 0)
                writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.typeVersion);
            if (message.body != null && $Object.hasOwnProperty.call(message, "body") && message.body.length)
                writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.body);
            if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && message.seq !== 0)
                writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.seq);
            if (message.ack != null && $Object.hasOwnProperty.call(message, "ack") && message.ack !== 0)
                writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.ack);
            if (message.ackBits != null && $Object.hasOwnProperty.call(message, "ackBits") && message.ackBits.length)
                writer.uint32(/* id 7, wireType 2 =*/58).bytes(message.ackBits);
            if (message.sent != null && $Object.hasOwnProperty.call(message, "sent") && message.sent !== 0)
                writer.uint32(/* id 8, wireType 0 =*/64).uint32(message.sent);
            if (message.ackHoldS != null && $Object.hasOwnProperty.call(message, "ackHoldS") && message.ackHoldS !== 0)
                writer.uint32(/* id 9, wireType 0 =*/72).uint32(message.ackHoldS);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a Frame message from the specified reader or buffer.
         * @function decode
         * @memberof wakubot.Frame
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {wakubot.Frame & wakubot.Frame.$Shape} Frame
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Frame.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.wakubot.Frame();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        message.builtin = reader.uint32();
                        message.type = "builtin";
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.custom = reader.stringVerify();
                        message.type = "custom";
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.typeVersion = value;
                        else
                            delete message.typeVersion;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.body = value;
                        else
                            delete message.body;
                        continue;
                    }
                case 5: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.seq = value;
                        else
                            delete message.seq;
                        continue;
                    }
                case 6: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.ack = value;
                        else
                            delete message.ack;
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.ackBits = value;
                        else
                            delete message.ackBits;
                        continue;
                    }
                case 8: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.sent = value;
                        else
                            delete message.sent;
                        continue;
                    }
                case 9: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.ackHoldS = value;
                        else
                            delete message.ackHoldS;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * Creates a Frame message from a plain object. Also converts values to their respective internal types.
         * @function fromObject
         * @memberof wakubot.Frame
         * @static
         * @param {Object.<string,*>} object Plain object
         * @returns {wakubot.Frame} Frame
         */
        Frame.fromObject = function (object, _depth) {
            if (object instanceof $root.wakubot.Frame)
                return object;
            if (!$util.isObject(object))
                throw $TypeError(".wakubot.Frame: object expected");
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let message = new $root.wakubot.Frame();
            if (object.builtin != null)
                message.builtin = object.builtin >>> 0;
            if (object.custom != null)
                message.custom = $String(object.custom);
            if (object.typeVersion != null)
                if ($Number(object.typeVersion) !== 0)
                    message.typeVersion = object.typeVersion >>> 0;
            if (object.body != null)
                if (object.body.length)
                    if (typeof object.body === "string")
                        $util.base64.decode(object.body, message.body = $util.newBuffer($util.base64.length(object.body)), 0);
                    else if (object.body.length >= 0)
                        message.body = object.body;
            if (object.seq != null)
                if ($Number(object.seq) !== 0)
                    message.seq = object.seq >>> 0;
            if (object.ack != null)
                if ($Number(object.ack) !== 0)
                    message.ack = object.ack >>> 0;
            if (object.ackBits != null)
                if (object.ackBits.length)
                    if (typeof object.ackBits === "string")
                        $util.base64.decode(object.ackBits, message.ackBits = $util.newBuffer($util.base64.length(object.ackBits)), 0);
                    else if (object.ackBits.length >= 0)
                        message.ackBits = object.ackBits;
            if (object.sent != null)
                if ($Number(object.sent) !== 0)
                    message.sent = object.sent >>> 0;
            if (object.ackHoldS != null)
                if ($Number(object.ackHoldS) !== 0)
                    message.ackHoldS = object.ackHoldS >>> 0;
            return message;
        };

        /**
         * Creates a plain object from a Frame message. Also converts values to other types if specified.
         * @function toObject
         * @memberof wakubot.Frame
         * @static
         * @param {wakubot.Frame} message Frame
         * @param {$protobuf.IConversionOptions} [options] Conversion options
         * @returns {Object.<string,*>} Plain object
         */
        Frame.toObject = function (message, options, _depth) {
            if (!options)
                options = {};
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let object = {};
            if (options.defaults) {
                object.typeVersion = 0;
                if (options.bytes === $String)
                    object.body = "";
                else {
                    object.body = [];
                    if (options.bytes !== $Array)
                        object.body = $util.newBuffer(object.body);
                }
                object.seq = 0;
                object.ack = 0;
                if (options.bytes === $String)
                    object.ackBits = "";
                else {
                    object.ackBits = [];
                    if (options.bytes !== $Array)
                        object.ackBits = $util.newBuffer(object.ackBits);
                }
                object.sent = 0;
                object.ackHoldS = 0;
            }
            if (message.builtin != null && $Object.hasOwnProperty.call(message, "builtin")) {
                object.builtin = message.builtin;
                if (options.oneofs)
                    object.type = "builtin";
            }
            if (message.custom != null && $Object.hasOwnProperty.call(message, "custom")) {
                object.custom = message.custom;
                if (options.oneofs)
                    object.type = "custom";
            }
            if (message.typeVersion != null && $Object.hasOwnProperty.call(message, "typeVersion"))
                object.typeVersion = message.typeVersion;
            if (message.body != null && $Object.hasOwnProperty.call(message, "body"))
                object.body = options.bytes === $String ? $util.base64.encode(message.body, 0, message.body.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.body) : message.body;
            if (message.seq != null && $Object.hasOwnProperty.call(message, "seq"))
                object.seq = message.seq;
            if (message.ack != null && $Object.hasOwnProperty.call(message, "ack"))
                object.ack = message.ack;
            if (message.ackBits != null && $Object.hasOwnProperty.call(message, "ackBits"))
                object.ackBits = options.bytes === $String ? $util.base64.encode(message.ackBits, 0, message.ackBits.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.ackBits) : message.ackBits;
            if (message.sent != null && $Object.hasOwnProperty.call(message, "sent"))
                object.sent = message.sent;
            if (message.ackHoldS != null && $Object.hasOwnProperty.call(message, "ackHoldS"))
                object.ackHoldS = message.ackHoldS;
            return object;
        };

        /**
         * Converts this Frame to JSON.
         * @function toJSON
         * @memberof wakubot.Frame
         * @instance
         * @returns {Object.<string,*>} JSON object
         */
        Frame.prototype.toJSON = function() {
            return Frame.toObject(this, $protobuf.util.toJSONOptions);
        };

        /**
         * Gets the type url for Frame
         * @function getTypeUrl
         * @memberof wakubot.Frame
         * @static
         * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns {string} The type url
         */
        Frame.getTypeUrl = function(prefix) {
            if (prefix === $undefined)
                prefix = "type.googleapis.com";
            return prefix + "/wakubot.Frame";
        };

        return Frame;
    })();

    wakubot.InitiatorIdentity = (function() {

        /**
         * Properties of an InitiatorIdentity.
         * @typedef {Object} wakubot.InitiatorIdentity.$Properties
         * @property {Uint8Array|null} [identityKey] InitiatorIdentity identityKey
         * @property {number|null} [oneTimePrekeyId] InitiatorIdentity oneTimePrekeyId
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an InitiatorIdentity.
         * @memberof wakubot
         * @interface IInitiatorIdentity
         * @augments wakubot.InitiatorIdentity.$Properties
         * @deprecated Use wakubot.InitiatorIdentity.$Properties instead.
         */

        /**
         * Shape of an InitiatorIdentity.
         * @typedef {wakubot.InitiatorIdentity.$Properties} wakubot.InitiatorIdentity.$Shape
         */

        /**
         * Constructs a new InitiatorIdentity.
         * @memberof wakubot
         * @classdesc Represents an InitiatorIdentity.
         * @constructor
         * @param {wakubot.InitiatorIdentity.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const InitiatorIdentity = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * InitiatorIdentity identityKey.
         * @member {Uint8Array} identityKey
         * @memberof wakubot.InitiatorIdentity
         * @instance
         */
        InitiatorIdentity.prototype.identityKey = $util.newBuffer([]);

        /**
         * InitiatorIdentity oneTimePrekeyId.
         * @member {number} oneTimePrekeyId
         * @memberof wakubot.InitiatorIdentity
         * @instance
         */
        InitiatorIdentity.prototype.oneTimePrekeyId = 0;

        /**
         * Creates a new InitiatorIdentity instance using the specified properties.
         * @function create
         * @memberof wakubot.InitiatorIdentity
         * @static
         * @param {wakubot.InitiatorIdentity.$Properties=} [properties] Properties to set
         * @returns {wakubot.InitiatorIdentity} InitiatorIdentity instance
         * @type {{
         *   (properties: wakubot.InitiatorIdentity.$Shape): wakubot.InitiatorIdentity & wakubot.InitiatorIdentity.$Shape;
         *   (properties?: wakubot.InitiatorIdentity.$Properties): wakubot.InitiatorIdentity;
         * }}
         */
        InitiatorIdentity.create = function(properties) {
            return new InitiatorIdentity(properties);
        };

        /**
         * Encodes the specified InitiatorIdentity message. Does not implicitly {@link wakubot.InitiatorIdentity.verify|verify} messages.
         * @function encode
         * @memberof wakubot.InitiatorIdentity
         * @static
         * @param {wakubot.InitiatorIdentity.$Properties} message InitiatorIdentity message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        InitiatorIdentity.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.identityKey != null && $Object.hasOwnProperty.call(message, "identityKey") && message.identityKey.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.identityKey);
            if (message.oneTimePrekeyId != null && $Object.hasOwnProperty.call(message, "oneTimePrekeyId") && message.oneTimePrekeyId !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.oneTimePrekeyId);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an InitiatorIdentity message from the specified reader or buffer.
         * @function decode
         * @memberof wakubot.InitiatorIdentity
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {wakubot.InitiatorIdentity & wakubot.InitiatorIdentity.$Shape} InitiatorIdentity
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        InitiatorIdentity.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.wakubot.InitiatorIdentity();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.identityKey = value;
                        else
                            delete message.identityKey;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.oneTimePrekeyId = value;
                        else
                            delete message.oneTimePrekeyId;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * Creates an InitiatorIdentity message from a plain object. Also converts values to their respective internal types.
         * @function fromObject
         * @memberof wakubot.InitiatorIdentity
         * @static
         * @param {Object.<string,*>} object Plain object
         * @returns {wakubot.InitiatorIdentity} InitiatorIdentity
         */
        InitiatorIdentity.fromObject = function (object, _depth) {
            if (object instanceof $root.wakubot.InitiatorIdentity)
                return object;
            if (!$util.isObject(object))
                throw $TypeError(".wakubot.InitiatorIdentity: object expected");
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let message = new $root.wakubot.InitiatorIdentity();
            if (object.identityKey != null)
                if (object.identityKey.length)
                    if (typeof object.identityKey === "string")
                        $util.base64.decode(object.identityKey, message.identityKey = $util.newBuffer($util.base64.length(object.identityKey)), 0);
                    else if (object.identityKey.length >= 0)
                        message.identityKey = object.identityKey;
            if (object.oneTimePrekeyId != null)
                if ($Number(object.oneTimePrekeyId) !== 0)
                    message.oneTimePrekeyId = object.oneTimePrekeyId >>> 0;
            return message;
        };

        /**
         * Creates a plain object from an InitiatorIdentity message. Also converts values to other types if specified.
         * @function toObject
         * @memberof wakubot.InitiatorIdentity
         * @static
         * @param {wakubot.InitiatorIdentity} message InitiatorIdentity
         * @param {$protobuf.IConversionOptions} [options] Conversion options
         * @returns {Object.<string,*>} Plain object
         */
        InitiatorIdentity.toObject = function (message, options, _depth) {
            if (!options)
                options = {};
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let object = {};
            if (options.defaults) {
                if (options.bytes === $String)
                    object.identityKey = "";
                else {
                    object.identityKey = [];
                    if (options.bytes !== $Array)
                        object.identityKey = $util.newBuffer(object.identityKey);
                }
                object.oneTimePrekeyId = 0;
            }
            if (message.identityKey != null && $Object.hasOwnProperty.call(message, "identityKey"))
                object.identityKey = options.bytes === $String ? $util.base64.encode(message.identityKey, 0, message.identityKey.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.identityKey) : message.identityKey;
            if (message.oneTimePrekeyId != null && $Object.hasOwnProperty.call(message, "oneTimePrekeyId"))
                object.oneTimePrekeyId = message.oneTimePrekeyId;
            return object;
        };

        /**
         * Converts this InitiatorIdentity to JSON.
         * @function toJSON
         * @memberof wakubot.InitiatorIdentity
         * @instance
         * @returns {Object.<string,*>} JSON object
         */
        InitiatorIdentity.prototype.toJSON = function() {
            return InitiatorIdentity.toObject(this, $protobuf.util.toJSONOptions);
        };

        /**
         * Gets the type url for InitiatorIdentity
         * @function getTypeUrl
         * @memberof wakubot.InitiatorIdentity
         * @static
         * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns {string} The type url
         */
        InitiatorIdentity.getTypeUrl = function(prefix) {
            if (prefix === $undefined)
                prefix = "type.googleapis.com";
            return prefix + "/wakubot.InitiatorIdentity";
        };

        return InitiatorIdentity;
    })();

    wakubot.SessionState = (function() {

        /**
         * Properties of a SessionState.
         * @typedef {Object} wakubot.SessionState.$Properties
         * @property {number|null} [version] SessionState version
         * @property {boolean|null} [initiator] SessionState initiator
         * @property {Uint8Array|null} [localIdentity] SessionState localIdentity
         * @property {Uint8Array|null} [remoteIdentity] SessionState remoteIdentity
         * @property {Uint8Array|null} [associatedData] SessionState associatedData
         * @property {Uint8Array|null} [dhsSecret] SessionState dhsSecret
         * @property {Uint8Array|null} [dhsPublic] SessionState dhsPublic
         * @property {Uint8Array|null} [dhr] SessionState dhr
         * @property {Uint8Array|null} [rk] SessionState rk
         * @property {Uint8Array|null} [cks] SessionState cks
         * @property {Uint8Array|null} [ckr] SessionState ckr
         * @property {number|null} [ns] SessionState ns
         * @property {number|null} [nr] SessionState nr
         * @property {number|null} [pn] SessionState pn
         * @property {Uint8Array|null} [hks] SessionState hks
         * @property {Uint8Array|null} [hkr] SessionState hkr
         * @property {Uint8Array|null} [nhks] SessionState nhks
         * @property {Uint8Array|null} [nhkr] SessionState nhkr
         * @property {Array.<wakubot.SkippedKey.$Properties>|null} [skipped] SessionState skipped
         * @property {Uint8Array|null} [pendingEphemeral] SessionState pendingEphemeral
         * @property {Uint8Array|null} [pendingSealedIdentity] SessionState pendingSealedIdentity
         * @property {Uint8Array|null} [recentTags] SessionState recentTags
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a SessionState.
         * @memberof wakubot
         * @interface ISessionState
         * @augments wakubot.SessionState.$Properties
         * @deprecated Use wakubot.SessionState.$Properties instead.
         */

        /**
         * Shape of a SessionState.
         * @typedef {wakubot.SessionState.$Properties} wakubot.SessionState.$Shape
         */

        /**
         * Constructs a new SessionState.
         * @memberof wakubot
         * @classdesc Represents a SessionState.
         * @constructor
         * @param {wakubot.SessionState.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const SessionState = function (properties) {
            this.skipped = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * SessionState version.
         * @member {number} version
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.version = 0;

        /**
         * SessionState initiator.
         * @member {boolean} initiator
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.initiator = false;

        /**
         * SessionState localIdentity.
         * @member {Uint8Array} localIdentity
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.localIdentity = $util.newBuffer([]);

        /**
         * SessionState remoteIdentity.
         * @member {Uint8Array} remoteIdentity
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.remoteIdentity = $util.newBuffer([]);

        /**
         * SessionState associatedData.
         * @member {Uint8Array} associatedData
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.associatedData = $util.newBuffer([]);

        /**
         * SessionState dhsSecret.
         * @member {Uint8Array} dhsSecret
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.dhsSecret = $util.newBuffer([]);

        /**
         * SessionState dhsPublic.
         * @member {Uint8Array} dhsPublic
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.dhsPublic = $util.newBuffer([]);

        /**
         * SessionState dhr.
         * @member {Uint8Array} dhr
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.dhr = $util.newBuffer([]);

        /**
         * SessionState rk.
         * @member {Uint8Array} rk
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.rk = $util.newBuffer([]);

        /**
         * SessionState cks.
         * @member {Uint8Array} cks
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.cks = $util.newBuffer([]);

        /**
         * SessionState ckr.
         * @member {Uint8Array} ckr
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.ckr = $util.newBuffer([]);

        /**
         * SessionState ns.
         * @member {number} ns
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.ns = 0;

        /**
         * SessionState nr.
         * @member {number} nr
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.nr = 0;

        /**
         * SessionState pn.
         * @member {number} pn
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.pn = 0;

        /**
         * SessionState hks.
         * @member {Uint8Array} hks
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.hks = $util.newBuffer([]);

        /**
         * SessionState hkr.
         * @member {Uint8Array} hkr
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.hkr = $util.newBuffer([]);

        /**
         * SessionState nhks.
         * @member {Uint8Array} nhks
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.nhks = $util.newBuffer([]);

        /**
         * SessionState nhkr.
         * @member {Uint8Array} nhkr
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.nhkr = $util.newBuffer([]);

        /**
         * SessionState skipped.
         * @member {Array.<wakubot.SkippedKey.$Properties>} skipped
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.skipped = $util.emptyArray;

        /**
         * SessionState pendingEphemeral.
         * @member {Uint8Array} pendingEphemeral
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.pendingEphemeral = $util.newBuffer([]);

        /**
         * SessionState pendingSealedIdentity.
         * @member {Uint8Array} pendingSealedIdentity
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.pendingSealedIdentity = $util.newBuffer([]);

        /**
         * SessionState recentTags.
         * @member {Uint8Array} recentTags
         * @memberof wakubot.SessionState
         * @instance
         */
        SessionState.prototype.recentTags = $util.newBuffer([]);

        /**
         * Creates a new SessionState instance using the specified properties.
         * @function create
         * @memberof wakubot.SessionState
         * @static
         * @param {wakubot.SessionState.$Properties=} [properties] Properties to set
         * @returns {wakubot.SessionState} SessionState instance
         * @type {{
         *   (properties: wakubot.SessionState.$Shape): wakubot.SessionState & wakubot.SessionState.$Shape;
         *   (properties?: wakubot.SessionState.$Properties): wakubot.SessionState;
         * }}
         */
        SessionState.create = function(properties) {
            return new SessionState(properties);
        };

        /**
         * Encodes the specified SessionState message. Does not implicitly {@link wakubot.SessionState.verify|verify} messages.
         * @function encode
         * @memberof wakubot.SessionState
         * @static
         * @param {wakubot.SessionState.$Properties} message SessionState message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        SessionState.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.version);
            if (message.initiator != null && $Object.hasOwnProperty.call(message, "initiator") && message.initiator !== false)
                writer.uint32(/* id 2, wireType 0 =*/16).bool(message.initiator);
            if (message.localIdentity != null && $Object.hasOwnProperty.call(message, "localIdentity") && message.localIdentity.length)
                writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.localIdentity);
            if (message.remoteIdentity != null && $Object.hasOwnProperty.call(message, "remoteIdentity") && message.remoteIdentity.length)
                writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.remoteIdentity);
            if (message.associatedData != null && $Object.hasOwnProperty.call(message, "associatedData") && message.associatedData.length)
                writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.associatedData);
            if (message.dhsSecret != null && $Object.hasOwnProperty.call(message, "dhsSecret") && message.dhsSecret.length)
                writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.dhsSecret);
            if (message.dhsPublic != null && $Object.hasOwnProperty.call(message, "dhsPublic") && message.dhsPublic.length)
                writer.uint32(/* id 7, wireType 2 =*/58).bytes(message.dhsPublic);
            if (message.dhr != null && $Object.hasOwnProperty.call(message, "dhr") && message.dhr.length)
                writer.uint32(/* id 8, wireType 2 =*/66).bytes(message.dhr);
            if (message.rk != null && $Object.hasOwnProperty.call(message, "rk") && message.rk.length)
                writer.uint32(/* id 9, wireType 2 =*/74).bytes(message.rk);
            if (message.cks != null && $Object.hasOwnProperty.call(message, "cks") && message.cks.length)
                writer.uint32(/* id 10, wireType 2 =*/82).bytes(message.cks);
            if (message.ckr != null && $Object.hasOwnProperty.call(message, "ckr") && message.ckr.length)
                writer.uint32(/* id 11, wireType 2 =*/90).bytes(message.ckr);
            if (message.ns != null && $Object.hasOwnProperty.call(message, "ns") && message.ns !== 0)
                writer.uint32(/* id 12, wireType 0 =*/96).uint32(message.ns);
            if (message.nr != null && $Object.hasOwnProperty.call(message, "nr") && message.nr !== 0)
                writer.uint32(/* id 13, wireType 0 =*/104).uint32(message.nr);
            if (message.pn != null && $Object.hasOwnProperty.call(message, "pn") && message.pn !== 0)
                writer.uint32(/* id 14, wireType 0 =*/112).uint32(message.pn);
            if (message.hks != null && $Object.hasOwnProperty.call(message, "hks") && message.hks.length)
                writer.uint32(/* id 15, wireType 2 =*/122).bytes(message.hks);
            if (message.hkr != null && $Object.hasOwnProperty.call(message, "hkr") && message.hkr.length)
                writer.uint32(/* id 16, wireType 2 =*/130).bytes(message.hkr);
            if (message.nhks != null && $Object.hasOwnProperty.call(message, "nhks") && message.nhks.length)
                writer.uint32(/* id 17, wireType 2 =*/138).bytes(message.nhks);
            if (message.nhkr != null && $Object.hasOwnProperty.call(message, "nhkr") && message.nhkr.length)
                writer.uint32(/* id 18, wireType 2 =*/146).bytes(message.nhkr);
            if (message.skipped != null && message.skipped.length)
                for (let i = 0; i < message.skipped.length; ++i)
                    $root.wakubot.SkippedKey.encode(message.skipped[i], writer.uint32(/* id 19, wireType 2 =*/154).fork(), _depth + 1).ldelim();
            if (message.pendingEphemeral != null && $Object.hasOwnProperty.call(message, "pendingEphemeral") && message.pendingEphemeral.length)
                writer.uint32(/* id 20, wireType 2 =*/162).bytes(message.pendingEphemeral);
            if (message.pendingSealedIdentity != null && $Object.hasOwnProperty.call(message, "pendingSealedIdentity") && message.pendingSealedIdentity.length)
                writer.uint32(/* id 21, wireType 2 =*/170).bytes(message.pendingSealedIdentity);
            if (message.recentTags != null && $Object.hasOwnProperty.call(message, "recentTags") && message.recentTags.length)
                writer.uint32(/* id 22, wireType 2 =*/178).bytes(message.recentTags);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a SessionState message from the specified reader or buffer.
         * @function decode
         * @memberof wakubot.SessionState
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {wakubot.SessionState & wakubot.SessionState.$Shape} SessionState
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        SessionState.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.wakubot.SessionState();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.version = value;
                        else
                            delete message.version;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.initiator = value;
                        else
                            delete message.initiator;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.localIdentity = value;
                        else
                            delete message.localIdentity;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.remoteIdentity = value;
                        else
                            delete message.remoteIdentity;
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.associatedData = value;
                        else
                            delete message.associatedData;
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.dhsSecret = value;
                        else
                            delete message.dhsSecret;
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.dhsPublic = value;
                        else
                            delete message.dhsPublic;
                        continue;
                    }
                case 8: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.dhr = value;
                        else
                            delete message.dhr;
                        continue;
                    }
                case 9: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.rk = value;
                        else
                            delete message.rk;
                        continue;
                    }
                case 10: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.cks = value;
                        else
                            delete message.cks;
                        continue;
                    }
                case 11: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.ckr = value;
                        else
                            delete message.ckr;
                        continue;
                    }
                case 12: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.ns = value;
                        else
                            delete message.ns;
                        continue;
                    }
                case 13: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.nr = value;
                        else
                            delete message.nr;
                        continue;
                    }
                case 14: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.pn = value;
                        else
                            delete message.pn;
                        continue;
                    }
                case 15: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.hks = value;
                        else
                            delete message.hks;
                        continue;
                    }
                case 16: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.hkr = value;
                        else
                            delete message.hkr;
                        continue;
                    }
                case 17: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.nhks = value;
                        else
                            delete message.nhks;
                        continue;
                    }
                case 18: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.nhkr = value;
                        else
                            delete message.nhkr;
                        continue;
                    }
                case 19: {
                        if (wireType !== 2)
                            break;
                        if (!(message.skipped && message.skipped.length))
                            message.skipped = [];
                        message.skipped.push($root.wakubot.SkippedKey.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 20: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.pendingEphemeral = value;
                        else
                            delete message.pendingEphemeral;
                        continue;
                    }
                case 21: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.pendingSealedIdentity = value;
                        else
                            delete message.pendingSealedIdentity;
                        continue;
                    }
                case 22: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.recentTags = value;
                        else
                            delete message.recentTags;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * Creates a SessionState message from a plain object. Also converts values to their respective internal types.
         * @function fromObject
         * @memberof wakubot.SessionState
         * @static
         * @param {Object.<string,*>} object Plain object
         * @returns {wakubot.SessionState} SessionState
         */
        SessionState.fromObject = function (object, _depth) {
            if (object instanceof $root.wakubot.SessionState)
                return object;
            if (!$util.isObject(object))
                throw $TypeError(".wakubot.SessionState: object expected");
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let message = new $root.wakubot.SessionState();
            if (object.version != null)
                if ($Number(object.version) !== 0)
                    message.version = object.version >>> 0;
            if (object.initiator != null)
                if (object.initiator)
                    message.initiator = $Boolean(object.initiator);
            if (object.localIdentity != null)
                if (object.localIdentity.length)
                    if (typeof object.localIdentity === "string")
                        $util.base64.decode(object.localIdentity, message.localIdentity = $util.newBuffer($util.base64.length(object.localIdentity)), 0);
                    else if (object.localIdentity.length >= 0)
                        message.localIdentity = object.localIdentity;
            if (object.remoteIdentity != null)
                if (object.remoteIdentity.length)
                    if (typeof object.remoteIdentity === "string")
                        $util.base64.decode(object.remoteIdentity, message.remoteIdentity = $util.newBuffer($util.base64.length(object.remoteIdentity)), 0);
                    else if (object.remoteIdentity.length >= 0)
                        message.remoteIdentity = object.remoteIdentity;
            if (object.associatedData != null)
                if (object.associatedData.length)
                    if (typeof object.associatedData === "string")
                        $util.base64.decode(object.associatedData, message.associatedData = $util.newBuffer($util.base64.length(object.associatedData)), 0);
                    else if (object.associatedData.length >= 0)
                        message.associatedData = object.associatedData;
            if (object.dhsSecret != null)
                if (object.dhsSecret.length)
                    if (typeof object.dhsSecret === "string")
                        $util.base64.decode(object.dhsSecret, message.dhsSecret = $util.newBuffer($util.base64.length(object.dhsSecret)), 0);
                    else if (object.dhsSecret.length >= 0)
                        message.dhsSecret = object.dhsSecret;
            if (object.dhsPublic != null)
                if (object.dhsPublic.length)
                    if (typeof object.dhsPublic === "string")
                        $util.base64.decode(object.dhsPublic, message.dhsPublic = $util.newBuffer($util.base64.length(object.dhsPublic)), 0);
                    else if (object.dhsPublic.length >= 0)
                        message.dhsPublic = object.dhsPublic;
            if (object.dhr != null)
                if (object.dhr.length)
                    if (typeof object.dhr === "string")
                        $util.base64.decode(object.dhr, message.dhr = $util.newBuffer($util.base64.length(object.dhr)), 0);
                    else if (object.dhr.length >= 0)
                        message.dhr = object.dhr;
            if (object.rk != null)
                if (object.rk.length)
                    if (typeof object.rk === "string")
                        $util.base64.decode(object.rk, message.rk = $util.newBuffer($util.base64.length(object.rk)), 0);
                    else if (object.rk.length >= 0)
                        message.rk = object.rk;
            if (object.cks != null)
                if (object.cks.length)
                    if (typeof object.cks === "string")
                        $util.base64.decode(object.cks, message.cks = $util.newBuffer($util.base64.length(object.cks)), 0);
                    else if (object.cks.length >= 0)
                        message.cks = object.cks;
            if (object.ckr != null)
                if (object.ckr.length)
                    if (typeof object.ckr === "string")
                        $util.base64.decode(object.ckr, message.ckr = $util.newBuffer($util.base64.length(object.ckr)), 0);
                    else if (object.ckr.length >= 0)
                        message.ckr = object.ckr;
            if (object.ns != null)
                if ($Number(object.ns) !== 0)
                    message.ns = object.ns >>> 0;
            if (object.nr != null)
                if ($Number(object.nr) !== 0)
                    message.nr = object.nr >>> 0;
            if (object.pn != null)
                if ($Number(object.pn) !== 0)
                    message.pn = object.pn >>> 0;
            if (object.hks != null)
                if (object.hks.length)
                    if (typeof object.hks === "string")
                        $util.base64.decode(object.hks, message.hks = $util.newBuffer($util.base64.length(object.hks)), 0);
                    else if (object.hks.length >= 0)
                        message.hks = object.hks;
            if (object.hkr != null)
                if (object.hkr.length)
                    if (typeof object.hkr === "string")
                        $util.base64.decode(object.hkr, message.hkr = $util.newBuffer($util.base64.length(object.hkr)), 0);
                    else if (object.hkr.length >= 0)
                        message.hkr = object.hkr;
            if (object.nhks != null)
                if (object.nhks.length)
                    if (typeof object.nhks === "string")
                        $util.base64.decode(object.nhks, message.nhks = $util.newBuffer($util.base64.length(object.nhks)), 0);
                    else if (object.nhks.length >= 0)
                        message.nhks = object.nhks;
            if (object.nhkr != null)
                if (object.nhkr.length)
                    if (typeof object.nhkr === "string")
                        $util.base64.decode(object.nhkr, message.nhkr = $util.newBuffer($util.base64.length(object.nhkr)), 0);
                    else if (object.nhkr.length >= 0)
                        message.nhkr = object.nhkr;
            if (object.skipped) {
                if (!$Array.isArray(object.skipped))
                    throw $TypeError(".wakubot.SessionState.skipped: array expected");
                message.skipped = $Array(object.skipped.length);
                for (let i = 0; i < object.skipped.length; ++i) {
                    if (!$util.isObject(object.skipped[i]))
                        throw $TypeError(".wakubot.SessionState.skipped: object expected");
                    message.skipped[i] = $root.wakubot.SkippedKey.fromObject(object.skipped[i], _depth + 1);
                }
            }
            if (object.pendingEphemeral != null)
                if (object.pendingEphemeral.length)
                    if (typeof object.pendingEphemeral === "string")
                        $util.base64.decode(object.pendingEphemeral, message.pendingEphemeral = $util.newBuffer($util.base64.length(object.pendingEphemeral)), 0);
                    else if (object.pendingEphemeral.length >= 0)
                        message.pendingEphemeral = object.pendingEphemeral;
            if (object.pendingSealedIdentity != null)
                if (object.pendingSealedIdentity.length)
                    if (typeof object.pendingSealedIdentity === "string")
                        $util.base64.decode(object.pendingSealedIdentity, message.pendingSealedIdentity = $util.newBuffer($util.base64.length(object.pendingSealedIdentity)), 0);
                    else if (object.pendingSealedIdentity.length >= 0)
                        message.pendingSealedIdentity = object.pendingSealedIdentity;
            if (object.recentTags != null)
                if (object.recentTags.length)
                    if (typeof object.recentTags === "string")
                        $util.base64.decode(object.recentTags, message.recentTags = $util.newBuffer($util.base64.length(object.recentTags)), 0);
                    else if (object.recentTags.length >= 0)
                        message.recentTags = object.recentTags;
            return message;
        };

        /**
         * Creates a plain object from a SessionState message. Also converts values to other types if specified.
         * @function toObject
         * @memberof wakubot.SessionState
         * @static
         * @param {wakubot.SessionState} message SessionState
         * @param {$protobuf.IConversionOptions} [options] Conversion options
         * @returns {Object.<string,*>} Plain object
         */
        SessionState.toObject = function (message, options, _depth) {
            if (!options)
                options = {};
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let object = {};
            if (options.arrays || options.defaults)
                object.skipped = [];
            if (options.defaults) {
                object.version = 0;
                object.initiator = false;
                if (options.bytes === $String)
                    object.localIdentity = "";
                else {
                    object.localIdentity = [];
                    if (options.bytes !== $Array)
                        object.localIdentity = $util.newBuffer(object.localIdentity);
                }
                if (options.bytes === $String)
                    object.remoteIdentity = "";
                else {
                    object.remoteIdentity = [];
                    if (options.bytes !== $Array)
                        object.remoteIdentity = $util.newBuffer(object.remoteIdentity);
                }
                if (options.bytes === $String)
                    object.associatedData = "";
                else {
                    object.associatedData = [];
                    if (options.bytes !== $Array)
                        object.associatedData = $util.newBuffer(object.associatedData);
                }
                if (options.bytes === $String)
                    object.dhsSecret = "";
                else {
                    object.dhsSecret = [];
                    if (options.bytes !== $Array)
                        object.dhsSecret = $util.newBuffer(object.dhsSecret);
                }
                if (options.bytes === $String)
                    object.dhsPublic = "";
                else {
                    object.dhsPublic = [];
                    if (options.bytes !== $Array)
                        object.dhsPublic = $util.newBuffer(object.dhsPublic);
                }
                if (options.bytes === $String)
                    object.dhr = "";
                else {
                    object.dhr = [];
                    if (options.bytes !== $Array)
                        object.dhr = $util.newBuffer(object.dhr);
                }
                if (options.bytes === $String)
                    object.rk = "";
                else {
                    object.rk = [];
                    if (options.bytes !== $Array)
                        object.rk = $util.newBuffer(object.rk);
                }
                if (options.bytes === $String)
                    object.cks = "";
                else {
                    object.cks = [];
                    if (options.bytes !== $Array)
                        object.cks = $util.newBuffer(object.cks);
                }
                if (options.bytes === $String)
                    object.ckr = "";
                else {
                    object.ckr = [];
                    if (options.bytes !== $Array)
                        object.ckr = $util.newBuffer(object.ckr);
                }
                object.ns = 0;
                object.nr = 0;
                object.pn = 0;
                if (options.bytes === $String)
                    object.hks = "";
                else {
                    object.hks = [];
                    if (options.bytes !== $Array)
                        object.hks = $util.newBuffer(object.hks);
                }
                if (options.bytes === $String)
                    object.hkr = "";
                else {
                    object.hkr = [];
                    if (options.bytes !== $Array)
                        object.hkr = $util.newBuffer(object.hkr);
                }
                if (options.bytes === $String)
                    object.nhks = "";
                else {
                    object.nhks = [];
                    if (options.bytes !== $Array)
                        object.nhks = $util.newBuffer(object.nhks);
                }
                if (options.bytes === $String)
                    object.nhkr = "";
                else {
                    object.nhkr = [];
                    if (options.bytes !== $Array)
                        object.nhkr = $util.newBuffer(object.nhkr);
                }
                if (options.bytes === $String)
                    object.pendingEphemeral = "";
                else {
                    object.pendingEphemeral = [];
                    if (options.bytes !== $Array)
                        object.pendingEphemeral = $util.newBuffer(object.pendingEphemeral);
                }
                if (options.bytes === $String)
                    object.pendingSealedIdentity = "";
                else {
                    object.pendingSealedIdentity = [];
                    if (options.bytes !== $Array)
                        object.pendingSealedIdentity = $util.newBuffer(object.pendingSealedIdentity);
                }
                if (options.bytes === $String)
                    object.recentTags = "";
                else {
                    object.recentTags = [];
                    if (options.bytes !== $Array)
                        object.recentTags = $util.newBuffer(object.recentTags);
                }
            }
            if (message.version != null && $Object.hasOwnProperty.call(message, "version"))
                object.version = message.version;
            if (message.initiator != null && $Object.hasOwnProperty.call(message, "initiator"))
                object.initiator = message.initiator;
            if (message.localIdentity != null && $Object.hasOwnProperty.call(message, "localIdentity"))
                object.localIdentity = options.bytes === $String ? $util.base64.encode(message.localIdentity, 0, message.localIdentity.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.localIdentity) : message.localIdentity;
            if (message.remoteIdentity != null && $Object.hasOwnProperty.call(message, "remoteIdentity"))
                object.remoteIdentity = options.bytes === $String ? $util.base64.encode(message.remoteIdentity, 0, message.remoteIdentity.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.remoteIdentity) : message.remoteIdentity;
            if (message.associatedData != null && $Object.hasOwnProperty.call(message, "associatedData"))
                object.associatedData = options.bytes === $String ? $util.base64.encode(message.associatedData, 0, message.associatedData.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.associatedData) : message.associatedData;
            if (message.dhsSecret != null && $Object.hasOwnProperty.call(message, "dhsSecret"))
                object.dhsSecret = options.bytes === $String ? $util.base64.encode(message.dhsSecret, 0, message.dhsSecret.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.dhsSecret) : message.dhsSecret;
            if (message.dhsPublic != null && $Object.hasOwnProperty.call(message, "dhsPublic"))
                object.dhsPublic = options.bytes === $String ? $util.base64.encode(message.dhsPublic, 0, message.dhsPublic.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.dhsPublic) : message.dhsPublic;
            if (message.dhr != null && $Object.hasOwnProperty.call(message, "dhr"))
                object.dhr = options.bytes === $String ? $util.base64.encode(message.dhr, 0, message.dhr.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.dhr) : message.dhr;
            if (message.rk != null && $Object.hasOwnProperty.call(message, "rk"))
                object.rk = options.bytes === $String ? $util.base64.encode(message.rk, 0, message.rk.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.rk) : message.rk;
            if (message.cks != null && $Object.hasOwnProperty.call(message, "cks"))
                object.cks = options.bytes === $String ? $util.base64.encode(message.cks, 0, message.cks.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.cks) : message.cks;
            if (message.ckr != null && $Object.hasOwnProperty.call(message, "ckr"))
                object.ckr = options.bytes === $String ? $util.base64.encode(message.ckr, 0, message.ckr.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.ckr) : message.ckr;
            if (message.ns != null && $Object.hasOwnProperty.call(message, "ns"))
                object.ns = message.ns;
            if (message.nr != null && $Object.hasOwnProperty.call(message, "nr"))
                object.nr = message.nr;
            if (message.pn != null && $Object.hasOwnProperty.call(message, "pn"))
                object.pn = message.pn;
            if (message.hks != null && $Object.hasOwnProperty.call(message, "hks"))
                object.hks = options.bytes === $String ? $util.base64.encode(message.hks, 0, message.hks.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.hks) : message.hks;
            if (message.hkr != null && $Object.hasOwnProperty.call(message, "hkr"))
                object.hkr = options.bytes === $String ? $util.base64.encode(message.hkr, 0, message.hkr.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.hkr) : message.hkr;
            if (message.nhks != null && $Object.hasOwnProperty.call(message, "nhks"))
                object.nhks = options.bytes === $String ? $util.base64.encode(message.nhks, 0, message.nhks.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.nhks) : message.nhks;
            if (message.nhkr != null && $Object.hasOwnProperty.call(message, "nhkr"))
                object.nhkr = options.bytes === $String ? $util.base64.encode(message.nhkr, 0, message.nhkr.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.nhkr) : message.nhkr;
            if (message.skipped && message.skipped.length) {
                object.skipped = $Array(message.skipped.length);
                for (let j = 0; j < message.skipped.length; ++j)
                    object.skipped[j] = $root.wakubot.SkippedKey.toObject(message.skipped[j], options, _depth + 1);
            }
            if (message.pendingEphemeral != null && $Object.hasOwnProperty.call(message, "pendingEphemeral"))
                object.pendingEphemeral = options.bytes === $String ? $util.base64.encode(message.pendingEphemeral, 0, message.pendingEphemeral.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.pendingEphemeral) : message.pendingEphemeral;
            if (message.pendingSealedIdentity != null && $Object.hasOwnProperty.call(message, "pendingSealedIdentity"))
                object.pendingSealedIdentity = options.bytes === $String ? $util.base64.encode(message.pendingSealedIdentity, 0, message.pendingSealedIdentity.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.pendingSealedIdentity) : message.pendingSealedIdentity;
            if (message.recentTags != null && $Object.hasOwnProperty.call(message, "recentTags"))
                object.recentTags = options.bytes === $String ? $util.base64.encode(message.recentTags, 0, message.recentTags.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.recentTags) : message.recentTags;
            return object;
        };

        /**
         * Converts this SessionState to JSON.
         * @function toJSON
         * @memberof wakubot.SessionState
         * @instance
         * @returns {Object.<string,*>} JSON object
         */
        SessionState.prototype.toJSON = function() {
            return SessionState.toObject(this, $protobuf.util.toJSONOptions);
        };

        /**
         * Gets the type url for SessionState
         * @function getTypeUrl
         * @memberof wakubot.SessionState
         * @static
         * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns {string} The type url
         */
        SessionState.getTypeUrl = function(prefix) {
            if (prefix === $undefined)
                prefix = "type.googleapis.com";
            return prefix + "/wakubot.SessionState";
        };

        return SessionState;
    })();

    wakubot.SkippedKey = (function() {

        /**
         * Properties of a SkippedKey.
         * @typedef {Object} wakubot.SkippedKey.$Properties
         * @property {Uint8Array|null} [tag] SkippedKey tag
         * @property {Uint8Array|null} [messageKey] SkippedKey messageKey
         * @property {number|null} [storedAt] SkippedKey storedAt
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a SkippedKey.
         * @memberof wakubot
         * @interface ISkippedKey
         * @augments wakubot.SkippedKey.$Properties
         * @deprecated Use wakubot.SkippedKey.$Properties instead.
         */

        /**
         * Shape of a SkippedKey.
         * @typedef {wakubot.SkippedKey.$Properties} wakubot.SkippedKey.$Shape
         */

        /**
         * Constructs a new SkippedKey.
         * @memberof wakubot
         * @classdesc Represents a SkippedKey.
         * @constructor
         * @param {wakubot.SkippedKey.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const SkippedKey = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * SkippedKey tag.
         * @member {Uint8Array} tag
         * @memberof wakubot.SkippedKey
         * @instance
         */
        SkippedKey.prototype.tag = $util.newBuffer([]);

        /**
         * SkippedKey messageKey.
         * @member {Uint8Array} messageKey
         * @memberof wakubot.SkippedKey
         * @instance
         */
        SkippedKey.prototype.messageKey = $util.newBuffer([]);

        /**
         * SkippedKey storedAt.
         * @member {number} storedAt
         * @memberof wakubot.SkippedKey
         * @instance
         */
        SkippedKey.prototype.storedAt = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Creates a new SkippedKey instance using the specified properties.
         * @function create
         * @memberof wakubot.SkippedKey
         * @static
         * @param {wakubot.SkippedKey.$Properties=} [properties] Properties to set
         * @returns {wakubot.SkippedKey} SkippedKey instance
         * @type {{
         *   (properties: wakubot.SkippedKey.$Shape): wakubot.SkippedKey & wakubot.SkippedKey.$Shape;
         *   (properties?: wakubot.SkippedKey.$Properties): wakubot.SkippedKey;
         * }}
         */
        SkippedKey.create = function(properties) {
            return new SkippedKey(properties);
        };

        /**
         * Encodes the specified SkippedKey message. Does not implicitly {@link wakubot.SkippedKey.verify|verify} messages.
         * @function encode
         * @memberof wakubot.SkippedKey
         * @static
         * @param {wakubot.SkippedKey.$Properties} message SkippedKey message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        SkippedKey.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.tag != null && $Object.hasOwnProperty.call(message, "tag") && message.tag.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.tag);
            if (message.messageKey != null && $Object.hasOwnProperty.call(message, "messageKey") && message.messageKey.length)
                writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.messageKey);
            if (message.storedAt != null && $Object.hasOwnProperty.call(message, "storedAt") && (typeof message.storedAt === "object" ? message.storedAt.low || message.storedAt.high : message.storedAt !== 0))
                writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.storedAt);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a SkippedKey message from the specified reader or buffer.
         * @function decode
         * @memberof wakubot.SkippedKey
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {wakubot.SkippedKey & wakubot.SkippedKey.$Shape} SkippedKey
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        SkippedKey.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.wakubot.SkippedKey();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.tag = value;
                        else
                            delete message.tag;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.messageKey = value;
                        else
                            delete message.messageKey;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.storedAt = value;
                        else
                            delete message.storedAt;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * Creates a SkippedKey message from a plain object. Also converts values to their respective internal types.
         * @function fromObject
         * @memberof wakubot.SkippedKey
         * @static
         * @param {Object.<string,*>} object Plain object
         * @returns {wakubot.SkippedKey} SkippedKey
         */
        SkippedKey.fromObject = function (object, _depth) {
            if (object instanceof $root.wakubot.SkippedKey)
                return object;
            if (!$util.isObject(object))
                throw $TypeError(".wakubot.SkippedKey: object expected");
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let message = new $root.wakubot.SkippedKey();
            if (object.tag != null)
                if (object.tag.length)
                    if (typeof object.tag === "string")
                        $util.base64.decode(object.tag, message.tag = $util.newBuffer($util.base64.length(object.tag)), 0);
                    else if (object.tag.length >= 0)
                        message.tag = object.tag;
            if (object.messageKey != null)
                if (object.messageKey.length)
                    if (typeof object.messageKey === "string")
                        $util.base64.decode(object.messageKey, message.messageKey = $util.newBuffer($util.base64.length(object.messageKey)), 0);
                    else if (object.messageKey.length >= 0)
                        message.messageKey = object.messageKey;
            if (object.storedAt != null)
                if (typeof object.storedAt === "object" ? object.storedAt.low || object.storedAt.high : $Number(object.storedAt) !== 0)
                    if ($util.Long)
                        message.storedAt = $util.Long.fromValue(object.storedAt, true);
                    else if (typeof object.storedAt === "string")
                        message.storedAt = $parseInt(object.storedAt, 10);
                    else if (typeof object.storedAt === "number")
                        message.storedAt = object.storedAt;
                    else if (typeof object.storedAt === "object")
                        message.storedAt = new $util.LongBits(object.storedAt.low >>> 0, object.storedAt.high >>> 0).toNumber(true);
            return message;
        };

        /**
         * Creates a plain object from a SkippedKey message. Also converts values to other types if specified.
         * @function toObject
         * @memberof wakubot.SkippedKey
         * @static
         * @param {wakubot.SkippedKey} message SkippedKey
         * @param {$protobuf.IConversionOptions} [options] Conversion options
         * @returns {Object.<string,*>} Plain object
         */
        SkippedKey.toObject = function (message, options, _depth) {
            if (!options)
                options = {};
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            let object = {};
            if (options.defaults) {
                if (options.bytes === $String)
                    object.tag = "";
                else {
                    object.tag = [];
                    if (options.bytes !== $Array)
                        object.tag = $util.newBuffer(object.tag);
                }
                if (options.bytes === $String)
                    object.messageKey = "";
                else {
                    object.messageKey = [];
                    if (options.bytes !== $Array)
                        object.messageKey = $util.newBuffer(object.messageKey);
                }
                if ($util.Long) {
                    let long = new $util.Long(0, 0, true);
                    object.storedAt = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                } else
                    object.storedAt = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
            }
            if (message.tag != null && $Object.hasOwnProperty.call(message, "tag"))
                object.tag = options.bytes === $String ? $util.base64.encode(message.tag, 0, message.tag.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.tag) : message.tag;
            if (message.messageKey != null && $Object.hasOwnProperty.call(message, "messageKey"))
                object.messageKey = options.bytes === $String ? $util.base64.encode(message.messageKey, 0, message.messageKey.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.messageKey) : message.messageKey;
            if (message.storedAt != null && $Object.hasOwnProperty.call(message, "storedAt"))
                if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                    object.storedAt = typeof message.storedAt === "number" ? $BigInt(message.storedAt) : $util.Long.fromBits(message.storedAt.low >>> 0, message.storedAt.high >>> 0, true).toBigInt();
                else if (typeof message.storedAt === "number")
                    object.storedAt = options.longs === $String ? $String(message.storedAt) : message.storedAt;
                else
                    object.storedAt = options.longs === $String ? $util.Long.prototype.toString.call(message.storedAt) : options.longs === $Number ? new $util.LongBits(message.storedAt.low >>> 0, message.storedAt.high >>> 0).toNumber(true) : message.storedAt;
            return object;
        };

        /**
         * Converts this SkippedKey to JSON.
         * @function toJSON
         * @memberof wakubot.SkippedKey
         * @instance
         * @returns {Object.<string,*>} JSON object
         */
        SkippedKey.prototype.toJSON = function() {
            return SkippedKey.toObject(this, $protobuf.util.toJSONOptions);
        };

        /**
         * Gets the type url for SkippedKey
         * @function getTypeUrl
         * @memberof wakubot.SkippedKey
         * @static
         * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns {string} The type url
         */
        SkippedKey.getTypeUrl = function(prefix) {
            if (prefix === $undefined)
                prefix = "type.googleapis.com";
            return prefix + "/wakubot.SkippedKey";
        };

        return SkippedKey;
    })();

    return wakubot;
})();

export {
  $root as default
};
