-- Firebreak's HTTP faults on an edge, inside the run's own HAProxy (loaded with `lua-load`).
--
-- The rules live in this one Lua state and are changed through HAProxy's runtime API, with
-- commands this file registers, so a fault is switched on and off without a reload:
--   firebreak fault add <frontend> <rule> <kind> <percent> <method> <path> <status> <delay_ms>
--                       <headers> <body>
--   firebreak fault del <frontend> <rule>
--   firebreak fault show
-- <kind> is error, abort or delay; <method>, <path>, <headers> and <body> are hex-encoded (the
-- CLI splits on spaces and reads `;` as a command separator), `-` for none. A request on an
-- edge's frontend takes the first rule that matches its method and path prefix and wins its
-- roll of the dice; the frontend's rules then act on the action this sets (txn.fb_action).

local rules = {} -- frontend name -> ordered list of rules
math.randomseed(os.time())

-- gRPC answers counted by their status, per frontend: frontend -> status -> count. A status is
-- seen only where it is in the answer's headers (a "Trailers-Only" answer: every error a server
-- answers before any message, and every one this file answers); a normal answer carries it in
-- its trailers, which HAProxy 2.6's response rules never see: those count as "trailers".
local grpc_counts = {}

local function count_grpc(frontend, status)
    local counts = grpc_counts[frontend]
    if counts == nil then
        counts = {}
        grpc_counts[frontend] = counts
    end
    counts[status] = (counts[status] or 0) + 1
end

local function unhex(text)
    if text == nil or text == "-" then
        return ""
    end
    return (text:gsub("%x%x", function(pair)
        return string.char(tonumber(pair, 16))
    end))
end

local function hex(text)
    if text == "" then
        return "-"
    end
    return (text:gsub(".", function(char)
        return string.format("%02x", string.byte(char))
    end))
end

local function index_of(frontend, name)
    for index, rule in ipairs(rules[frontend] or {}) do
        if rule.name == name then
            return index
        end
    end
    return nil
end

local function remove_rule(frontend, name)
    local index = index_of(frontend, name)
    if index == nil then
        return false
    end
    table.remove(rules[frontend], index)
    return true
end

-- the words of the command come first in the arguments: skip them
core.register_cli({ "firebreak", "fault", "add" }, "add an HTTP fault rule to an edge's frontend",
    function(applet, _, _, _, frontend, name, kind, percent, method, path, status, delay_ms, headers, body)
        if frontend == nil or body == nil then
            applet:send("error: expected 10 arguments\n")
            return
        end
        if kind ~= "error" and kind ~= "abort" and kind ~= "delay" then
            applet:send("error: unknown kind " .. kind .. "\n")
            return
        end
        remove_rule(frontend, name)
        rules[frontend] = rules[frontend] or {}
        table.insert(rules[frontend], {
            name = name,
            kind = kind,
            percent = tonumber(percent) or 0,
            method = unhex(method),
            path = unhex(path),
            status = tonumber(status) or 503,
            delay_ms = tonumber(delay_ms) or 0,
            headers = unhex(headers),
            body = unhex(body),
            matched = 0, -- requests whose method and path it matched
            hits = 0, -- of those, the ones it acted on (its share)
        })
        applet:send("ok\n")
    end)

core.register_cli({ "firebreak", "fault", "del" }, "remove an HTTP fault rule from an edge",
    function(applet, _, _, _, frontend, name)
        if remove_rule(frontend or "", name or "") then
            applet:send("ok\n")
        else
            applet:send("absent\n")
        end
    end)

core.register_cli({ "firebreak", "fault", "show" }, "list the active HTTP fault rules",
    function(applet)
        for frontend, list in pairs(rules) do
            for _, rule in ipairs(list) do
                applet:send(table.concat({ frontend, rule.name, rule.kind, tostring(rule.percent),
                    hex(rule.method), hex(rule.path), tostring(rule.status),
                    tostring(rule.delay_ms), tostring(rule.matched), tostring(rule.hits) }, " ")
                    .. "\n")
            end
        end
    end)

local function matches(rule, method, path)
    if rule.method ~= "" and rule.method ~= method then
        return false
    end
    -- "=/pkg.Service/Method": that path exactly (one gRPC method); else a prefix
    if rule.path:sub(1, 1) == "=" then
        return path == rule.path:sub(2)
    end
    return rule.path == "" or path:sub(1, #rule.path) == rule.path
end

-- http-request lua.firebreak_decide: which rule, if any, this request draws
core.register_action("firebreak_decide", { "http-req" }, function(txn)
    local list = rules[txn.f:fe_name()]
    if list == nil or #list == 0 then
        return
    end
    local method = txn.f:method()
    local path = txn.f:path() or ""
    for _, rule in ipairs(list) do
        local matched = matches(rule, method, path)
        if matched then
            rule.matched = rule.matched + 1
        end
        if matched and math.random() * 100 < rule.percent then
            rule.hits = rule.hits + 1
            txn:set_var("txn.fb_action", rule.kind)
            txn:set_var("txn.fb_rule", rule.name)
            txn:set_var("txn.fb_delay_ms", rule.delay_ms)
            return
        end
    end
end)

-- http-request use-service lua.firebreak_error: the answer the callee never sees
core.register_service("firebreak_error", "http", function(applet)
    local frontend = applet.f:fe_name()
    local index = index_of(frontend, applet:get_var("txn.fb_rule") or "")
    local rule = index and rules[frontend][index]
    local status = 503
    local headers, body = "", ""
    if rule then
        status, headers, body = rule.status, rule.headers, rule.body
    end
    applet:receive() -- the request's body, so the connection stays usable
    applet:set_status(status)
    for line in headers:gmatch("[^\n]+") do
        local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
        if name ~= nil then
            applet:add_header(name, value)
        end
    end
    applet:add_header("content-length", tostring(#body))
    applet:add_header("x-firebreak-fault", applet:get_var("txn.fb_rule") or "")
    applet:start_response()
    applet:send(body)
end)

-- http-response lua.firebreak_hold: the callee answered; hold its headers back
core.register_action("firebreak_hold", { "http-res" }, function(txn)
    local delay_ms = tonumber(txn:get_var("txn.fb_delay_ms")) or 0
    if delay_ms > 0 then
        core.msleep(delay_ms)
    end
end)

-- http-response lua.firebreak_grpc_status (gRPC edges): the callee's answers, and this file's
-- own (the frontend's response rules run on its applet's answers too: counted once, here)
core.register_action("firebreak_grpc_status", { "http-res" }, function(txn)
    local status = txn.http:res_get_headers()["grpc-status"]
    count_grpc(txn.f:fe_name(), status and status[0] or "trailers")
end)

core.register_cli({ "firebreak", "grpc", "show" }, "gRPC answers per frontend and status",
    function(applet)
        for frontend, counts in pairs(grpc_counts) do
            for status, count in pairs(counts) do
                applet:send(frontend .. " " .. status .. " " .. tostring(count) .. "\n")
            end
        end
    end)
