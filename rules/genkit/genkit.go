// Package genkit holds the adapters of github.com/firebase/genkit/go.
//
// Genkit traces its actions with spans of its own (genkit:*), through the
// global TracerProvider; when the application has set none, it installs an
// SDK provider without exporters the first time it traces, and the runtime,
// which records with the application's global provider when there is one,
// would then record nowhere. The adapter of genkit.Init tells the runtime
// that provider is Genkit's (LibraryProvider), so the runtime keeps its own
// and its spans under Genkit's are roots.
//
// Model calls are the spans of the SDKs Genkit's plugins use (openai-go for
// compat_oai, anthropic-sdk-go, genai), one per request; tools defined with
// genkit.DefineTool run in an execute_tool span.
//
// The file is injected into every package that calls them, with its package
// clause changed. So every top-level name starts with "llminstr" and every
// import is named.
package genkit

import (
	llminstrContext "context"
	llminstrJSON "encoding/json"
	llminstrReflect "reflect"

	llminstrTracing "github.com/firebase/genkit/go/core/tracing"
	llminstrOtel "go.opentelemetry.io/otel"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// llminstrGenkitInit wraps genkit.Init: the TracerProvider Genkit uses is
// set up now rather than at its first span, and when it is not the one the
// application set, the runtime is told it is Genkit's.
func llminstrGenkitInit[Genkit, Option any](
	f func(llminstrContext.Context, ...Option) Genkit,
	ctx llminstrContext.Context, opts ...Option,
) Genkit {
	before := llminstrOtel.GetTracerProvider()
	g := f(ctx, opts...)
	llminstrRT.Safe(func() {
		if tp := llminstrTracing.TracerProvider(); any(tp) != any(before) {
			llminstrRT.LibraryProvider(tp)
		}
	})
	return g
}

// llminstrGenkitDefineTool wraps genkit.DefineTool: the tool's function
// runs in an execute_tool span. (Its types are the adapter's type
// parameters: the file imports no package of Genkit's but its tracing.)
func llminstrGenkitDefineTool[Genkit, ToolContext, In, Out, Option, Tool any](
	f func(Genkit, string, string, func(ToolContext, In) (Out, error), ...Option) Tool,
	g Genkit, name, description string, fn func(ToolContext, In) (Out, error), opts ...Option,
) Tool {
	return f(g, name, description, llminstrGenkitTool(name, fn), opts...)
}

// llminstrGenkitTool returns fn run in an execute_tool span, with its
// input and output as JSON under content capture. The tool gets a copy of
// its *ai.ToolContext whose Context is the span's, so that what it calls
// is the span's child.
func llminstrGenkitTool[ToolContext, In, Out any](name string, fn func(ToolContext, In) (Out, error)) func(ToolContext, In) (Out, error) {
	if fn == nil {
		return fn
	}
	return func(tc ToolContext, in In) (Out, error) {
		parent := llminstrGenkitContext(tc)
		if parent == nil {
			return fn(tc, in)
		}
		ctx, op := llminstrRT.StartToolCall(parent, name, "")
		if op == nil {
			return fn(tc, in)
		}
		if op.CaptureContent() {
			llminstrRT.Safe(func() {
				if b, err := llminstrJSON.Marshal(in); err == nil {
					op.SetToolArguments(string(b))
				}
			})
		}
		out, err := fn(llminstrGenkitWithContext(tc, ctx), in)
		if err == nil && op.CaptureContent() {
			llminstrRT.Safe(func() {
				if b, err := llminstrJSON.Marshal(out); err == nil {
					op.SetToolResult(string(b))
				}
			})
		}
		op.End(err)
		return out, err
	}
}

// llminstrGenkitContext returns the tool context as a context.Context
// (*ai.ToolContext embeds one), or nil.
func llminstrGenkitContext(tc any) (ctx llminstrContext.Context) {
	llminstrRT.Safe(func() {
		v := llminstrReflect.ValueOf(tc)
		if !v.IsValid() || v.Kind() == llminstrReflect.Pointer && v.IsNil() {
			return
		}
		if c, ok := tc.(llminstrContext.Context); ok {
			ctx = c
		}
	})
	return ctx
}

// llminstrGenkitWithContext returns a copy of the struct tc points to with
// its Context field set to ctx, or tc itself when it has none.
func llminstrGenkitWithContext[ToolContext any](tc ToolContext, ctx llminstrContext.Context) (out ToolContext) {
	out = tc
	llminstrRT.Safe(func() {
		v := llminstrReflect.ValueOf(tc)
		if v.Kind() != llminstrReflect.Pointer || v.IsNil() || v.Elem().Kind() != llminstrReflect.Struct {
			return
		}
		cp := llminstrReflect.New(v.Elem().Type())
		cp.Elem().Set(v.Elem())
		field := cp.Elem().FieldByName("Context")
		if !field.IsValid() || !field.CanSet() || field.Type() != llminstrReflect.TypeFor[llminstrContext.Context]() {
			return
		}
		field.Set(llminstrReflect.ValueOf(ctx))
		out = cp.Interface().(ToolContext)
	})
	return out
}
