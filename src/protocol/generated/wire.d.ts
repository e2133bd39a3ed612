import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace wakubot. */
export namespace wakubot {

    /**
     * Properties of an Envelope.
     * @deprecated Use wakubot.Envelope.$Properties instead.
     */
    interface IEnvelope extends wakubot.Envelope.$Properties {
    }

    /** Represents an Envelope. */
    class Envelope {

        /**
         * Constructs a new Envelope.
         * @param [properties] Properties to set
         */
        constructor(properties?: wakubot.Envelope.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Envelope version. */
        version: number;

        /** Envelope tag. */
        tag: Uint8Array;

        /** Envelope header. */
        header: Uint8Array;

        /** Envelope ciphertext. */
        ciphertext: Uint8Array;

        /** Envelope ephemeral. */
        ephemeral: Uint8Array;

        /** Envelope sealedIdentity. */
        sealedIdentity: Uint8Array;

        /**
         * Creates a new Envelope instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Envelope instance
         */
        static create(properties: wakubot.Envelope.$Shape): wakubot.Envelope & wakubot.Envelope.$Shape;
        static create(properties?: wakubot.Envelope.$Properties): wakubot.Envelope;

        /**
         * Encodes the specified Envelope message. Does not implicitly {@link wakubot.Envelope.verify|verify} messages.
         * @param message Envelope message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: wakubot.Envelope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an Envelope message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {wakubot.Envelope & wakubot.Envelope.$Shape} Envelope
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): wakubot.Envelope & wakubot.Envelope.$Shape;

        /**
         * Creates an Envelope message from a plain object. Also converts values to their respective internal types.
         * @param object Plain object
         * @returns Envelope
         */
        static fromObject(object: { [k: string]: any }): wakubot.Envelope;

        /**
         * Creates a plain object from an Envelope message. Also converts values to other types if specified.
         * @param message Envelope
         * @param [options] Conversion options
         * @returns Plain object
         */
        static toObject(message: wakubot.Envelope, options?: $protobuf.IConversionOptions): { [k: string]: any };

        /**
         * Converts this Envelope to JSON.
         * @returns JSON object
         */
        toJSON(): { [k: string]: any };

        /**
         * Gets the type url for Envelope
         * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns The type url
         */
        static getTypeUrl(prefix?: string): string;
    }

    namespace Envelope {

        /** Properties of an Envelope. */
        interface $Properties {

            /** Envelope version */
            version?: (number|null);

            /** Envelope tag */
            tag?: (Uint8Array|null);

            /** Envelope header */
            header?: (Uint8Array|null);

            /** Envelope ciphertext */
            ciphertext?: (Uint8Array|null);

            /** Envelope ephemeral */
            ephemeral?: (Uint8Array|null);

            /** Envelope sealedIdentity */
            sealedIdentity?: (Uint8Array|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an Envelope. */
        type $Shape = wakubot.Envelope.$Properties;
    }

    /**
     * Properties of a Frame.
     * @deprecated Use wakubot.Frame.$Properties instead.
     */
    interface IFrame extends wakubot.Frame.$Properties {
    }

    /** Represents a Frame. */
    class Frame {

        /**
         * Constructs a new Frame.
         * @param [properties] Properties to set
         */
        constructor(properties?: wakubot.Frame.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Frame builtin. */
        builtin?: (number|null);

        /** Frame custom. */
        custom?: (string|null);

        /** Frame typeVersion. */
        typeVersion: number;

        /** Frame body. */
        body: Uint8Array;

        /** Frame seq. */
        seq: number;

        /** Frame ack. */
        ack: number;

        /** Frame ackBits. */
        ackBits: Uint8Array;

        /** Frame sent. */
        sent: number;

        /** Frame ackHoldS. */
        ackHoldS: number;

        /** Frame type. */
        type?: ("builtin"|"custom");

        /**
         * Creates a new Frame instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Frame instance
         */
        static create(properties: wakubot.Frame.$Shape): wakubot.Frame & wakubot.Frame.$Shape;
        static create(properties?: wakubot.Frame.$Properties): wakubot.Frame;

        /**
         * Encodes the specified Frame message. Does not implicitly {@link wakubot.Frame.verify|verify} messages.
         * @param message Frame message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: wakubot.Frame.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Frame message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {wakubot.Frame & wakubot.Frame.$Shape} Frame
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): wakubot.Frame & wakubot.Frame.$Shape;

        /**
         * Creates a Frame message from a plain object. Also converts values to their respective internal types.
         * @param object Plain object
         * @returns Frame
         */
        static fromObject(object: { [k: string]: any }): wakubot.Frame;

        /**
         * Creates a plain object from a Frame message. Also converts values to other types if specified.
         * @param message Frame
         * @param [options] Conversion options
         * @returns Plain object
         */
        static toObject(message: wakubot.Frame, options?: $protobuf.IConversionOptions): { [k: string]: any };

        /**
         * Converts this Frame to JSON.
         * @returns JSON object
         */
        toJSON(): { [k: string]: any };

        /**
         * Gets the type url for Frame
         * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns The type url
         */
        static getTypeUrl(prefix?: string): string;
    }

    namespace Frame {

        /** Properties of a Frame. */
        interface $Properties {

            /** Frame builtin */
            builtin?: (number|null);

            /** Frame custom */
            custom?: (string|null);

            /** Frame typeVersion */
            typeVersion?: (number|null);

            /** Frame body */
            body?: (Uint8Array|null);

            /** Frame seq */
            seq?: (number|null);

            /** Frame ack */
            ack?: (number|null);

            /** Frame ackBits */
            ackBits?: (Uint8Array|null);

            /** Frame sent */
            sent?: (number|null);

            /** Frame ackHoldS */
            ackHoldS?: (number|null);

            /** Frame type */
            type?: ("builtin"|"custom");

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Narrowed shape of a Frame. */
        type $Shape = {
          builtin?: number|null;
          custom?: string|null;
          typeVersion?: number|null;
          body?: Uint8Array|null;
          seq?: number|null;
          ack?: number|null;
          ackBits?: Uint8Array|null;
          sent?: number|null;
          ackHoldS?: number|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ type?: undefined; builtin?: null; custom?: null }|{ type?: "builtin"; builtin: number; custom?: null }|{ type?: "custom"; builtin?: null; custom: string })
        );
    }

    /**
     * Properties of an InitiatorIdentity.
     * @deprecated Use wakubot.InitiatorIdentity.$Properties instead.
     */
    interface IInitiatorIdentity extends wakubot.InitiatorIdentity.$Properties {
    }

    /** Represents an InitiatorIdentity. */
    class InitiatorIdentity {

        /**
         * Constructs a new InitiatorIdentity.
         * @param [properties] Properties to set
         */
        constructor(properties?: wakubot.InitiatorIdentity.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** InitiatorIdentity identityKey. */
        identityKey: Uint8Array;

        /** InitiatorIdentity oneTimePrekeyId. */
        oneTimePrekeyId: number;

        /**
         * Creates a new InitiatorIdentity instance using the specified properties.
         * @param [properties] Properties to set
         * @returns InitiatorIdentity instance
         */
        static create(properties: wakubot.InitiatorIdentity.$Shape): wakubot.InitiatorIdentity & wakubot.InitiatorIdentity.$Shape;
        static create(properties?: wakubot.InitiatorIdentity.$Properties): wakubot.InitiatorIdentity;

        /**
         * Encodes the specified InitiatorIdentity message. Does not implicitly {@link wakubot.InitiatorIdentity.verify|verify} messages.
         * @param message InitiatorIdentity message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: wakubot.InitiatorIdentity.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an InitiatorIdentity message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {wakubot.InitiatorIdentity & wakubot.InitiatorIdentity.$Shape} InitiatorIdentity
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): wakubot.InitiatorIdentity & wakubot.InitiatorIdentity.$Shape;

        /**
         * Creates an InitiatorIdentity message from a plain object. Also converts values to their respective internal types.
         * @param object Plain object
         * @returns InitiatorIdentity
         */
        static fromObject(object: { [k: string]: any }): wakubot.InitiatorIdentity;

        /**
         * Creates a plain object from an InitiatorIdentity message. Also converts values to other types if specified.
         * @param message InitiatorIdentity
         * @param [options] Conversion options
         * @returns Plain object
         */
        static toObject(message: wakubot.InitiatorIdentity, options?: $protobuf.IConversionOptions): { [k: string]: any };

        /**
         * Converts this InitiatorIdentity to JSON.
         * @returns JSON object
         */
        toJSON(): { [k: string]: any };

        /**
         * Gets the type url for InitiatorIdentity
         * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns The type url
         */
        static getTypeUrl(prefix?: string): string;
    }

    namespace InitiatorIdentity {

        /** Properties of an InitiatorIdentity. */
        interface $Properties {

            /** InitiatorIdentity identityKey */
            identityKey?: (Uint8Array|null);

            /** InitiatorIdentity oneTimePrekeyId */
            oneTimePrekeyId?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an InitiatorIdentity. */
        type $Shape = wakubot.InitiatorIdentity.$Properties;
    }

    /**
     * Properties of a SessionState.
     * @deprecated Use wakubot.SessionState.$Properties instead.
     */
    interface ISessionState extends wakubot.SessionState.$Properties {
    }

    /** Represents a SessionState. */
    class SessionState {

        /**
         * Constructs a new SessionState.
         * @param [properties] Properties to set
         */
        constructor(properties?: wakubot.SessionState.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** SessionState version. */
        version: number;

        /** SessionState initiator. */
        initiator: boolean;

        /** SessionState localIdentity. */
        localIdentity: Uint8Array;

        /** SessionState remoteIdentity. */
        remoteIdentity: Uint8Array;

        /** SessionState associatedData. */
        associatedData: Uint8Array;

        /** SessionState dhsSecret. */
        dhsSecret: Uint8Array;

        /** SessionState dhsPublic. */
        dhsPublic: Uint8Array;

        /** SessionState dhr. */
        dhr: Uint8Array;

        /** SessionState rk. */
        rk: Uint8Array;

        /** SessionState cks. */
        cks: Uint8Array;

        /** SessionState ckr. */
        ckr: Uint8Array;

        /** SessionState ns. */
        ns: number;

        /** SessionState nr. */
        nr: number;

        /** SessionState pn. */
        pn: number;

        /** SessionState hks. */
        hks: Uint8Array;

        /** SessionState hkr. */
        hkr: Uint8Array;

        /** SessionState nhks. */
        nhks: Uint8Array;

        /** SessionState nhkr. */
        nhkr: Uint8Array;

        /** SessionState skipped. */
        skipped: wakubot.SkippedKey.$Properties[];

        /** SessionState pendingEphemeral. */
        pendingEphemeral: Uint8Array;

        /** SessionState pendingSealedIdentity. */
        pendingSealedIdentity: Uint8Array;

        /** SessionState recentTags. */
        recentTags: Uint8Array;

        /**
         * Creates a new SessionState instance using the specified properties.
         * @param [properties] Properties to set
         * @returns SessionState instance
         */
        static create(properties: wakubot.SessionState.$Shape): wakubot.SessionState & wakubot.SessionState.$Shape;
        static create(properties?: wakubot.SessionState.$Properties): wakubot.SessionState;

        /**
         * Encodes the specified SessionState message. Does not implicitly {@link wakubot.SessionState.verify|verify} messages.
         * @param message SessionState message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: wakubot.SessionState.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a SessionState message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {wakubot.SessionState & wakubot.SessionState.$Shape} SessionState
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): wakubot.SessionState & wakubot.SessionState.$Shape;

        /**
         * Creates a SessionState message from a plain object. Also converts values to their respective internal types.
         * @param object Plain object
         * @returns SessionState
         */
        static fromObject(object: { [k: string]: any }): wakubot.SessionState;

        /**
         * Creates a plain object from a SessionState message. Also converts values to other types if specified.
         * @param message SessionState
         * @param [options] Conversion options
         * @returns Plain object
         */
        static toObject(message: wakubot.SessionState, options?: $protobuf.IConversionOptions): { [k: string]: any };

        /**
         * Converts this SessionState to JSON.
         * @returns JSON object
         */
        toJSON(): { [k: string]: any };

        /**
         * Gets the type url for SessionState
         * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns The type url
         */
        static getTypeUrl(prefix?: string): string;
    }

    namespace SessionState {

        /** Properties of a SessionState. */
        interface $Properties {

            /** SessionState version */
            version?: (number|null);

            /** SessionState initiator */
            initiator?: (boolean|null);

            /** SessionState localIdentity */
            localIdentity?: (Uint8Array|null);

            /** SessionState remoteIdentity */
            remoteIdentity?: (Uint8Array|null);

            /** SessionState associatedData */
            associatedData?: (Uint8Array|null);

            /** SessionState dhsSecret */
            dhsSecret?: (Uint8Array|null);

            /** SessionState dhsPublic */
            dhsPublic?: (Uint8Array|null);

            /** SessionState dhr */
            dhr?: (Uint8Array|null);

            /** SessionState rk */
            rk?: (Uint8Array|null);

            /** SessionState cks */
            cks?: (Uint8Array|null);

            /** SessionState ckr */
            ckr?: (Uint8Array|null);

            /** SessionState ns */
            ns?: (number|null);

            /** SessionState nr */
            nr?: (number|null);

            /** SessionState pn */
            pn?: (number|null);

            /** SessionState hks */
            hks?: (Uint8Array|null);

            /** SessionState hkr */
            hkr?: (Uint8Array|null);

            /** SessionState nhks */
            nhks?: (Uint8Array|null);

            /** SessionState nhkr */
            nhkr?: (Uint8Array|null);

            /** SessionState skipped */
            skipped?: (wakubot.SkippedKey.$Properties[]|null);

            /** SessionState pendingEphemeral */
            pendingEphemeral?: (Uint8Array|null);

            /** SessionState pendingSealedIdentity */
            pendingSealedIdentity?: (Uint8Array|null);

            /** SessionState recentTags */
            recentTags?: (Uint8Array|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a SessionState. */
        type $Shape = wakubot.SessionState.$Properties;
    }

    /**
     * Properties of a SkippedKey.
     * @deprecated Use wakubot.SkippedKey.$Properties instead.
     */
    interface ISkippedKey extends wakubot.SkippedKey.$Properties {
    }

    /** Represents a SkippedKey. */
    class SkippedKey {

        /**
         * Constructs a new SkippedKey.
         * @param [properties] Properties to set
         */
        constructor(properties?: wakubot.SkippedKey.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** SkippedKey tag. */
        tag: Uint8Array;

        /** SkippedKey messageKey. */
        messageKey: Uint8Array;

        /** SkippedKey storedAt. */
        storedAt: number;

        /**
         * Creates a new SkippedKey instance using the specified properties.
         * @param [properties] Properties to set
         * @returns SkippedKey instance
         */
        static create(properties: wakubot.SkippedKey.$Shape): wakubot.SkippedKey & wakubot.SkippedKey.$Shape;
        static create(properties?: wakubot.SkippedKey.$Properties): wakubot.SkippedKey;

        /**
         * Encodes the specified SkippedKey message. Does not implicitly {@link wakubot.SkippedKey.verify|verify} messages.
         * @param message SkippedKey message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: wakubot.SkippedKey.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a SkippedKey message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {wakubot.SkippedKey & wakubot.SkippedKey.$Shape} SkippedKey
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): wakubot.SkippedKey & wakubot.SkippedKey.$Shape;

        /**
         * Creates a SkippedKey message from a plain object. Also converts values to their respective internal types.
         * @param object Plain object
         * @returns SkippedKey
         */
        static fromObject(object: { [k: string]: any }): wakubot.SkippedKey;

        /**
         * Creates a plain object from a SkippedKey message. Also converts values to other types if specified.
         * @param message SkippedKey
         * @param [options] Conversion options
         * @returns Plain object
         */
        static toObject(message: wakubot.SkippedKey, options?: $protobuf.IConversionOptions): { [k: string]: any };

        /**
         * Converts this SkippedKey to JSON.
         * @returns JSON object
         */
        toJSON(): { [k: string]: any };

        /**
         * Gets the type url for SkippedKey
         * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
         * @returns The type url
         */
        static getTypeUrl(prefix?: string): string;
    }

    namespace SkippedKey {

        /** Properties of a SkippedKey. */
        interface $Properties {

            /** SkippedKey tag */
            tag?: (Uint8Array|null);

            /** SkippedKey messageKey */
            messageKey?: (Uint8Array|null);

            /** SkippedKey storedAt */
            storedAt?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a SkippedKey. */
        type $Shape = wakubot.SkippedKey.$Properties;
    }
}
