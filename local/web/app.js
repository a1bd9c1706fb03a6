// The local Slack workspace page. Plain DOM, no framework, no build step. Every piece of text from the
// server goes into the page through textContent or attribute setters: never innerHTML.
(() => {
  const $ = (id) => document.getElementById(id);
  const store = window.localStorage;

  const view = {
    snapshot: null,
    me: store.getItem('me') || '',
    channel: store.getItem('channel') || '',
    thread: null, // { channel, ts }
    lastSeen: JSON.parse(store.getItem('lastSeen') || '{}'),
    revision: -1,
  };

  // ---- DOM helpers ---------------------------------------------------------------------------------

  // null, undefined and false props and children are left out, so callers can write `cond ? x : null`.
  const isAbsent = (value) => value === undefined || value === null || value === false;

  // The props that are not attributes; `on…` props are listeners; any other prop is an attribute.
  const PROP_SETTERS = {
    className: (node, value) => {
      node.className = value;
    },
    text: (node, value) => {
      node.textContent = value;
    },
    dataset: (node, value) => Object.assign(node.dataset, value),
  };

  function setProp(node, key, value) {
    if (Object.hasOwn(PROP_SETTERS, key)) PROP_SETTERS[key](node, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (!isAbsent(value)) setProp(node, key, value);
    }
    for (const child of [].concat(children || [])) {
      if (isAbsent(child)) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function toast(text) {
    const node = $('toast');
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => {
      node.hidden = true;
    }, 4000);
  }

  // ---- data ----------------------------------------------------------------------------------------

  const users = () => view.snapshot?.users || [];
  const channels = () => view.snapshot?.channels || [];
  const userById = (id) => users().find((user) => user.id === id);
  const channelById = (id) => channels().find((channel) => channel.id === id);
  // The sidebar entry for the Home tab of the app (not a conversation).
  const HOME = 'home';
  /** A channel, or the viewer's DM with the app, with the label the header shows. */
  const conversationById = (id) => {
    const channel = channelById(id);
    if (channel) return { ...channel, label: `# ${channel.name}` };
    const im = view.snapshot?.im;
    if (im && im.id === id)
      return {
        id,
        name: view.snapshot.app.name,
        label: view.snapshot.app.name,
        im: true,
        topic: 'Direct messages',
      };
    return undefined;
  };
  const lookup = {
    user: (id) => {
      if (view.snapshot && id === view.snapshot.app.botUserId) return view.snapshot.app.name;
      const user = userById(id);
      return user?.name;
    },
    channel: (id) => {
      const channel = channelById(id);
      return channel?.name;
    },
  };

  async function api(path, body) {
    const response = await fetch(path, {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.reason || json.error || `HTTP ${response.status}`);
    return json;
  }

  let refreshing = null;
  let again = false;
  async function refresh() {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        const snapshot = await api(`/local/state?user=${encodeURIComponent(view.me)}`);
        view.snapshot = snapshot;
        view.revision = snapshot.revision;
        render();
        // Someone switched identity while this was in flight: show what the new person sees.
        if (snapshot.viewer !== undefined && snapshot.viewer !== view.me) again = true;
      } catch (error) {
        toast(`Cannot reach local mode: ${error.message}`);
      } finally {
        refreshing = null;
      }
      if (again) {
        again = false;
        await refresh();
      }
    })();
    return refreshing;
  }

  function listen() {
    const events = new EventSource('/local/events');
    events.addEventListener('revision', (event) => {
      if (Number(event.data) !== view.revision) refresh();
    });
    // EventSource reconnects by itself; a slow poll covers a server that restarted meanwhile.
    setInterval(() => {
      if (events.readyState !== EventSource.OPEN) refresh();
    }, 3000);
  }

  // ---- rendering: mrkdwn and Block Kit --------------------------------------------------------------

  function mrkdwnNodes(nodes) {
    return nodes.map((node) => {
      switch (node.type) {
        case 'text':
          return document.createTextNode(node.text);
        case 'br':
          return el('br');
        case 'bold':
          return el('b', {}, mrkdwnNodes(node.children));
        case 'italic':
          return el('i', {}, mrkdwnNodes(node.children));
        case 'strike':
          return el('s', {}, mrkdwnNodes(node.children));
        case 'code':
          return el('code', { text: node.text });
        case 'pre':
          return el('pre', { text: node.text });
        case 'emoji':
          return el('span', { className: 'emoji', title: `:${node.name}:`, text: node.text });
        case 'user':
          return el('span', { className: node.id === view.me ? 'mention me' : 'mention', text: node.label });
        case 'channel':
        case 'broadcast':
          return el('span', { className: 'mention', text: node.label });
        case 'quote':
          return el('blockquote', {}, mrkdwnNodes(node.children));
        case 'link':
          // A permalink of this page (`/#C…/ts`) stays in the page; any other link opens a new tab.
          return node.url.startsWith('/#')
            ? el('a', { href: node.url, text: node.label })
            : el('a', { href: node.url, target: '_blank', rel: 'noopener noreferrer', text: node.label });
        case 'date': {
          // In the browser's own time zone, like Slack; hovering shows the exact instant.
          const props = { className: 'date', title: node.iso, dataset: { iso: node.iso }, text: node.text };
          if (!node.url) return el('time', { ...props, datetime: node.iso });
          return el('a', { ...props, href: node.url, target: '_blank', rel: 'noopener noreferrer' });
        }
        default:
          return document.createTextNode('');
      }
    });
  }

  function richText(text) {
    if (!text) return el('span', { className: 'mrkdwn' });
    if (text.type === 'plain_text') {
      const plain = text.emoji === false ? text.text : emojify(text.text || '');
      return el('span', { className: 'plain', text: plain });
    }
    return el('span', { className: 'mrkdwn' }, mrkdwnNodes(window.Mrkdwn.parse(text.text || '', lookup)));
  }

  function emojify(text) {
    return text.replace(/:([a-z0-9_+-]+):/g, (match, name) =>
      Object.hasOwn(window.Mrkdwn.EMOJI, name) ? window.Mrkdwn.EMOJI[name] : match,
    );
  }

  // A surface is where blocks are shown: a message ({ kind: 'message', message }) or a view (the Home tab
  // or a modal: { kind: 'view', viewId, values() }). Clicks go to the app the way Slack sends them from
  // there (block_actions with a message container, or with a view container and the view's state).
  const messageSurface = (message) => ({ kind: 'message', message });

  function button(element, surface, blockId) {
    const node = el('button', {
      type: 'button',
      className: element.style || 'default',
      dataset: { actionId: element.action_id, blockId, value: element.value || '' },
      text: emojify(element.text?.text || element.action_id),
    });
    node.addEventListener('click', async () => {
      // Like Slack: a button with a confirm object sends nothing until its dialog is confirmed.
      if (element.confirm && !(await confirmDialog(element.confirm))) return;
      node.disabled = true;
      const confirmed = element.confirm ? { confirmed: true } : {};
      try {
        if (surface.kind === 'view') {
          await api('/local/view-action', {
            userId: view.me,
            viewId: surface.viewId,
            actionId: element.action_id,
            blockId,
            values: surface.values(),
            ...confirmed,
          });
        } else {
          await api('/local/action', {
            userId: view.me,
            channelId: surface.message.channel,
            messageTs: surface.message.ts,
            actionId: element.action_id,
            blockId,
            ...confirmed,
          });
        }
      } catch (error) {
        toast(`Click not delivered: ${error.message}`);
      } finally {
        node.disabled = false;
      }
    });
    return node;
  }

  // ---- inputs (modals and the Home tab) -------------------------------------------------------------

  // Like Slack: an input block with dispatch_action sends its element's pick at once (block_actions with
  // the view's state), so the app can update the view (views.update) while the person fills it in.
  function dispatchOnChange(control, surface, blockId) {
    control.addEventListener('change', async () => {
      try {
        await api('/local/view-action', {
          userId: view.me,
          viewId: surface.viewId,
          actionId: control.dataset.actionId,
          blockId,
          values: surface.values(),
        });
      } catch (error) {
        toast(`Choice not delivered: ${error.message}`);
      }
    });
  }

  const optionText = (option) => emojify(option.text?.text || option.value || '');
  function optionNodes(element) {
    const plain = (element.options || []).map((option) =>
      el('option', { value: option.value, text: optionText(option) }),
    );
    const groups = (element.option_groups || []).map((group) =>
      el(
        'optgroup',
        { label: group.label?.text || '' },
        (group.options || []).map((option) =>
          el('option', { value: option.value, text: optionText(option) }),
        ),
      ),
    );
    return plain.concat(groups);
  }

  const initialOption = (element) => (element.initial_option ? [element.initial_option.value] : []);
  const initialOptions = (element) => (element.initial_options || []).map((option) => option.value);
  const one = (value) => (value ? [value] : []);

  // The values an element starts with, by its type.
  const INITIAL_VALUES = {
    static_select: initialOption,
    radio_buttons: initialOption,
    multi_static_select: initialOptions,
    checkboxes: initialOptions,
    users_select: (element) => one(element.initial_user),
    multi_users_select: (element) => element.initial_users || [],
    channels_select: (element) => one(element.initial_channel),
    conversations_select: (element) => one(element.initial_conversation),
  };

  function initialOf(element) {
    return Object.hasOwn(INITIAL_VALUES, element.type) ? INITIAL_VALUES[element.type](element) : [];
  }

  // field: { data, placeholder, label } (data: the data-* attributes every control carries).
  function selectControl(element, field, multiple, options) {
    const initial = new Set(initialOf(element));
    const nodes = (
      multiple ? [] : [el('option', { value: '', text: field.placeholder || 'Select…' })]
    ).concat(options);
    const node = el(
      'select',
      { className: 'modal-input', dataset: field.data, multiple, 'aria-label': field.label },
      nodes,
    );
    for (const option of node.querySelectorAll('option')) option.selected = initial.has(option.value);
    return node;
  }

  const peopleOptions = () =>
    users().map((user) => el('option', { value: user.id, text: `${user.realName} (@${user.name})` }));
  const channelOptions = () =>
    channels().map((channel) => el('option', { value: channel.id, text: `# ${channel.name}` }));

  const TEXT_INPUT_TYPES = {
    plain_text_input: 'text',
    email_text_input: 'email',
    url_text_input: 'url',
    number_input: 'number',
  };

  function textInput(element, field) {
    const node = el(element.multiline ? 'textarea' : 'input', {
      className: 'modal-input',
      dataset: field.data,
      type: element.multiline ? undefined : TEXT_INPUT_TYPES[element.type],
      rows: element.multiline ? 3 : undefined,
      maxlength: element.max_length,
      placeholder: field.placeholder,
      'aria-label': field.label,
    });
    if (element.initial_value) node.value = element.initial_value;
    return node;
  }

  function pickerInput(element, field) {
    const isDate = element.type === 'datepicker';
    const node = el('input', {
      className: 'modal-input',
      dataset: field.data,
      type: isDate ? 'date' : 'time',
      'aria-label': field.label,
    });
    const initial = isDate ? element.initial_date : element.initial_time;
    if (initial) node.value = initial;
    return node;
  }

  const singleSelect = (options) => (element, field) =>
    selectControl(element, field, false, options(element));
  const multiSelect = (options) => (element, field) => selectControl(element, field, true, options(element));

  // The control the page draws for each stateful element type.
  const CONTROLS = {
    plain_text_input: textInput,
    email_text_input: textInput,
    url_text_input: textInput,
    number_input: textInput,
    static_select: singleSelect(optionNodes),
    radio_buttons: singleSelect(optionNodes),
    multi_static_select: multiSelect(optionNodes),
    checkboxes: multiSelect(optionNodes),
    users_select: singleSelect(peopleOptions),
    multi_users_select: multiSelect(peopleOptions),
    channels_select: singleSelect(channelOptions),
    conversations_select: singleSelect(channelOptions),
    datepicker: pickerInput,
    timepicker: pickerInput,
  };

  /**
   * A control for a stateful Block Kit element, or undefined for one the page does not know. Every
   * control carries data-block-id, data-action-id and data-element so values() can read it back.
   */
  function inputControl(element, blockId, label) {
    if (!Object.hasOwn(CONTROLS, element.type)) return undefined;
    const field = {
      data: { blockId, actionId: element.action_id, element: element.type },
      placeholder: element.placeholder?.text || '',
      label,
    };
    return CONTROLS[element.type](element, field);
  }

  /** What the person typed and chose in a container, as the server wants it: block -> action -> value. */
  function valuesIn(container) {
    const out = {};
    for (const input of container.querySelectorAll('[data-action-id][data-element]')) {
      const value =
        input.tagName === 'SELECT'
          ? input.multiple
            ? [...input.selectedOptions].map((option) => option.value)
            : input.value || null
          : input.value === ''
            ? null
            : input.value;
      out[input.dataset.blockId] = Object.assign(out[input.dataset.blockId] || {}, {
        [input.dataset.actionId]: value,
      });
    }
    return out;
  }

  /**
   * Block Kit's confirmation dialog: title, text, a deny and a confirm button (Slack's defaults when a
   * field is missing). Resolves true on confirm, false on deny, Escape or a click outside.
   */
  function confirmDialog(confirm) {
    return new Promise((resolve) => {
      const backdrop = $('confirm');
      const title = confirm.title?.text || 'Are you sure?';
      const finish = (confirmed) => {
        document.removeEventListener('keydown', onKey);
        backdrop.hidden = true;
        backdrop.replaceChildren();
        resolve(confirmed);
      };
      const onKey = (event) => {
        if (event.key === 'Escape') finish(false);
      };
      const yes = el('button', {
        type: 'button',
        className: confirm.style === 'danger' ? 'danger' : 'primary',
        dataset: { confirm: 'confirm' },
        text: confirm.confirm?.text || 'Yes',
        onclick: () => finish(true),
      });
      const dialog = el(
        'div',
        { className: 'modal confirm-dialog', role: 'alertdialog', 'aria-modal': 'true', 'aria-label': title },
        [
          el('header', { className: 'modal-header' }, el('h2', { text: title })),
          el('div', { className: 'modal-body' }, richText(confirm.text)),
          el('footer', { className: 'modal-footer' }, [
            el('button', {
              type: 'button',
              className: 'default',
              dataset: { confirm: 'deny' },
              text: confirm.deny?.text || 'Cancel',
              onclick: () => finish(false),
            }),
            yes,
          ]),
        ],
      );
      backdrop.onclick = (event) => {
        if (event.target === backdrop) finish(false);
      };
      document.addEventListener('keydown', onKey);
      backdrop.replaceChildren(dialog);
      backdrop.hidden = false;
      yes.focus();
    });
  }

  function inputBlock(block, surface, blockId) {
    const element = block.element || {};
    const label = block.label?.text || '';
    const control = inputControl(element, blockId, label) || unknownBlock(element);
    if (block.dispatch_action && surface.kind === 'view') dispatchOnChange(control, surface, blockId);
    return el('label', { className: 'block modal-field', dataset: { blockId } }, [
      el('div', { className: 'modal-label' }, [
        label,
        block.optional ? el('span', { className: 'optional', text: ' (optional)' }) : null,
      ]),
      control,
      block.hint ? el('div', { className: 'modal-hint' }, richText(block.hint)) : null,
      el('div', { className: 'modal-error', dataset: { errorFor: blockId } }),
    ]);
  }

  // A section's accessory: a button, another control, or (unknown to the page) its JSON.
  function sectionAccessory(accessory, surface, blockId) {
    if (accessory.type === 'button') {
      return el('div', { className: 'section-accessory' }, button(accessory, surface, blockId));
    }
    const control = inputControl(accessory, blockId, '');
    return control ? el('div', { className: 'section-accessory' }, control) : unknownBlock(accessory);
  }

  function sectionBlock(block, surface, blockId) {
    const fields = Array.isArray(block.fields)
      ? el(
          'div',
          { className: 'fields' },
          block.fields.map((field) => el('div', {}, richText(field))),
        )
      : null;
    return el('div', { className: 'block block-section' }, [
      block.text ? el('div', {}, richText(block.text)) : null,
      fields,
      block.accessory ? sectionAccessory(block.accessory, surface, blockId) : null,
    ]);
  }

  function contextBlock(block) {
    return el(
      'div',
      { className: 'block block-context' },
      (block.elements || []).map((element) =>
        element.type === 'image'
          ? el('span', { text: `[${element.alt_text || 'image'}] ` })
          : richText(element),
      ),
    );
  }

  function actionsBlock(block, surface, blockId) {
    return el(
      'div',
      { className: 'block block-actions' },
      (block.elements || []).map((element) =>
        element.type === 'button'
          ? button(element, surface, blockId)
          : inputControl(element, blockId, '') || unknownBlock(element),
      ),
    );
  }

  // How the page draws each block type; any other type shows as its JSON.
  const BLOCKS = {
    input: inputBlock,
    header: (block) => el('div', { className: 'block block-header' }, richText(block.text)),
    section: sectionBlock,
    context: contextBlock,
    actions: actionsBlock,
    divider: () => el('hr', { className: 'divider' }),
  };

  function renderBlock(block, surface, index) {
    const blockId = block.block_id || `block-${index}`;
    if (!Object.hasOwn(BLOCKS, block.type)) return unknownBlock(block);
    return BLOCKS[block.type](block, surface, blockId);
  }

  function unknownBlock(block) {
    return el('pre', { className: 'block unknown-block', text: JSON.stringify(block, null, 2) });
  }

  function messageBody(message) {
    if (Array.isArray(message.blocks) && message.blocks.length > 0) {
      return el(
        'div',
        { className: 'body blocks' },
        message.blocks.map((block, index) => renderBlock(block, messageSurface(message), index)),
      );
    }
    return el('div', { className: 'body' }, richText({ type: 'mrkdwn', text: message.text }));
  }

  const COLORS = ['#2bac76', '#e8912d', '#1264a3', '#cd2553', '#8e44ad', '#16a085', '#d35400'];
  function avatar(name, isApp) {
    let hash = 0;
    for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 9973;
    const color = isApp ? '#4a154b' : COLORS[hash % COLORS.length];
    const node = el('div', { className: 'avatar', text: isApp ? '⚙' : name.slice(0, 1).toUpperCase() });
    node.style.background = color;
    return node;
  }

  function time(ts) {
    const date = new Date(Number(ts) * 1000);
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function authorOf(item) {
    if (item.from === 'slackbot') return { name: 'Slackbot', app: true };
    if (item.from === 'bot' || item.botId) return { name: view.snapshot.app.name, app: true };
    const user = userById(item.user);
    return { name: user ? user.realName : item.user, app: false };
  }

  function renderMessage(item, options) {
    const ephemeral = item.from !== undefined;
    const author = authorOf(item);
    const content = [];
    if (ephemeral) content.push(el('div', { className: 'only-you', text: 'Only visible to you' }));
    content.push(
      el('div', { className: 'meta' }, [
        el('span', { className: 'author', text: author.name }),
        author.app ? el('span', { className: 'app-tag', text: 'APP' }) : null,
        el('span', { className: 'time', text: time(item.ts) }),
        item.edited ? el('span', { className: 'edited', text: '(edited)' }) : null,
      ]),
    );
    if (item.command) content.push(el('div', { className: 'typed-command', text: item.command }));
    content.push(messageBody(item));
    if (options.replies > 0) {
      content.push(
        el('button', {
          type: 'button',
          className: 'replies',
          text: `${options.replies} ${options.replies === 1 ? 'reply' : 'replies'}`,
          onclick: () => openThread(item.channel, item.ts),
        }),
      );
    }
    return el(
      'article',
      {
        className: ephemeral ? 'message ephemeral' : 'message',
        dataset: { ts: item.ts, channel: item.channel },
      },
      [avatar(author.name, author.app), el('div', {}, content)],
    );
  }

  // ---- rendering: the page --------------------------------------------------------------------------

  function render() {
    const snapshot = view.snapshot;
    if (!snapshot) return;
    if (snapshot.mode.slack === 'socket') {
      $('messages').replaceChildren(
        el('div', {
          className: 'empty',
          text: 'Socket Mode: the bot is connected to your real Slack workspace.',
        }),
      );
      return;
    }
    keepSelectionValid(snapshot);
    $('team-name').textContent = snapshot.team.name;
    $('mode').textContent = modeText(snapshot.mode);

    renderIdentity();
    renderChannels();
    renderChannel();
    renderThread();
    renderModal();
    $('app').dataset.viewer = snapshot.viewer || '';
  }

  // The person and conversation shown exist in this snapshot (else the first ones), and are remembered.
  function keepSelectionValid(snapshot) {
    if (!userById(view.me)) view.me = snapshot.users[0].id;
    // A DM id follows the person signed in: switching identity shows the new person's DM with the app.
    if (view.channel.startsWith('D') && snapshot.im) view.channel = snapshot.im.id;
    if (view.channel !== HOME && !conversationById(view.channel)) view.channel = snapshot.channels[0].id;
    store.setItem('me', view.me);
    store.setItem('channel', view.channel);
  }

  // The header's "AWS: …" line: which AWS the bot acts in, and whether waits are shortened.
  function modeText(mode) {
    const accounts = mode.accounts || [];
    const sandbox =
      accounts.length > 1
        ? `sandbox accounts ${accounts.map((account) => account.name).join(', ')}`
        : 'sandbox account';
    return `AWS: ${mode.aws !== 'sandbox' ? 'REAL account' : sandbox}${mode.fast ? ' · fast waits' : ''}`;
  }

  function renderIdentity() {
    const select = $('identity');
    if (select.options.length !== users().length) {
      select.replaceChildren(
        ...users().map((user) =>
          el('option', {
            value: user.id,
            text: `${user.realName} (@${user.name})${user.approver ? ' · approver' : ''}`,
          }),
        ),
      );
    }
    select.value = view.me;
    const me = userById(view.me);
    $('identity-role').textContent = me
      ? `${me.title}${me.approver ? ' · can approve' : ' · cannot approve'}`
      : '';
  }

  function visibleIn(channelId) {
    const top = view.snapshot.messages.filter((m) => m.channel === channelId && !m.threadTs);
    const mine = view.snapshot.ephemerals.filter((e) => e.channel === channelId && !e.threadTs);
    return top.concat(mine).sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  }

  function renderChannels() {
    renderDirect();
    const list = channels().map((channel) => {
      const items = visibleIn(channel.id);
      const seen = view.lastSeen[channel.id] || '0';
      const unread = channel.id === view.channel ? 0 : items.filter((item) => item.ts > seen).length;
      const link = el(
        'a',
        {
          href: `#${channel.name}`,
          className: [channel.id === view.channel ? 'active' : '', unread ? 'unread' : ''].join(' ').trim(),
          dataset: { channel: channel.id },
          onclick: (event) => {
            event.preventDefault();
            view.channel = channel.id;
            render();
          },
        },
        [
          el('span', { text: `# ${channel.name}` }),
          unread ? el('span', { className: 'badge', text: String(unread) }) : null,
        ],
      );
      return el('li', {}, link);
    });
    $('channels').replaceChildren(...list);
  }

  /** The Direct messages section (the viewer's DM with the app) and the Apps section (its Home tab). */
  function renderDirect() {
    const snapshot = view.snapshot;
    const entry = (id, label, unread) =>
      el(
        'li',
        {},
        el(
          'a',
          {
            href: `#${id}`,
            className: [id === view.channel ? 'active' : '', unread ? 'unread' : ''].join(' ').trim(),
            dataset: { channel: id },
            onclick: (event) => {
              event.preventDefault();
              view.channel = id;
              render();
              // As in Slack: opening the Home tab sends the app an app_home_opened event; it publishes the tab.
              if (id === HOME) api('/local/home-opened', { userId: view.me }).catch(() => {});
            },
          },
          [
            el('span', { text: label }),
            unread ? el('span', { className: 'badge', text: String(unread) }) : null,
          ],
        ),
      );
    const im = snapshot.im;
    const dmItems = im ? visibleIn(im.id) : [];
    const seen = im ? view.lastSeen[im.id] || '0' : '0';
    const unread = im && im.id !== view.channel ? dmItems.filter((item) => item.ts > seen).length : 0;
    $('dms').replaceChildren(...(im ? [entry(im.id, `● ${snapshot.app.name}`, unread)] : []));
    $('apps').replaceChildren(entry(HOME, `⌂ ${snapshot.app.name} · Home`, 0));
    const shortcuts = snapshot.app.shortcuts || [];
    $('shortcuts').hidden = shortcuts.length === 0;
  }

  function renderChannel() {
    const container = $('messages');
    if (view.channel === HOME) {
      renderHome();
      return;
    }
    delete container.dataset.viewId;
    delete container.dataset.hash;
    $('composer-form').hidden = false;
    const channel = conversationById(view.channel);
    $('channel-name').textContent = channel.label;
    $('channel-topic').textContent = channel.topic || '';
    $('composer').placeholder = channel.im
      ? `Message ${channel.name}, or type /codebuild-access help`
      : `Message #${channel.name}, or type /codebuild-access help`;
    renderHint();
    const items = visibleIn(channel.id);
    renderHistory(container, channel, items);
    markSeen(channel.id, items);
  }

  // A button that puts an example command in the composer.
  function exampleButton(text) {
    return el('button', {
      type: 'button',
      text,
      onclick: (event) => {
        $('composer').value = event.currentTarget.textContent;
        $('composer').focus();
      },
    });
  }

  // The "Try …" line under the composer: a first grant, and the same grant in a member account.
  function renderHint() {
    const me = userById(view.me);
    // Approvers have no IAM user in the sandbox; they would ask for someone else.
    const target = me && !me.approver ? me.name : 'alice';
    // A member account with the member stack (prod when there is one): the same grant in another account.
    const members = (view.snapshot.mode.accounts || []).filter(
      (account) => !account.hub && account.memberStack,
    );
    const member = members.find((account) => account.name === 'prod') || members[members.length - 1];
    $('hint').replaceChildren(
      'Try ',
      exampleButton(`/codebuild-access grant @${target} developer because first build`),
      ...(member
        ? [
            ' or, in another AWS account, ',
            exampleButton(`/codebuild-access grant @${target} developer in ${member.name} because release`),
          ]
        : []),
    );
  }

  // The conversation's messages (or the line that starts an empty one), kept scrolled to the bottom.
  function renderHistory(container, channel, items) {
    const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
    const replies = (ts) =>
      view.snapshot.messages.filter((m) => m.channel === channel.id && m.threadTs === ts).length;
    container.replaceChildren(
      ...(items.length === 0
        ? [
            el('div', {
              className: 'empty',
              text: channel.im
                ? `This is the very beginning of your direct messages with ${channel.name}.`
                : `This is the very beginning of #${channel.name}.`,
            }),
          ]
        : items.map((item) =>
            renderMessage(item, { replies: item.from === undefined ? replies(item.ts) : 0 }),
          )),
    );
    if (atBottom || container.dataset.channel !== channel.id) container.scrollTop = container.scrollHeight;
    container.dataset.channel = channel.id;
  }

  // What the viewer has seen, for the sidebar's unread badges.
  function markSeen(channelId, items) {
    const last = items[items.length - 1];
    if (!last) return;
    view.lastSeen[channelId] = last.ts;
    store.setItem('lastSeen', JSON.stringify(view.lastSeen));
  }

  function openThread(channel, ts) {
    view.thread = { channel, ts };
    render();
  }

  // A permalink (`/#C…/ts`, local chat.getPermalink) opens that message's channel and its thread.
  window.addEventListener('hashchange', () => {
    const match = /^#([CDG][A-Z0-9]+)\/(\d+\.\d+)$/.exec(window.location.hash);
    if (!match) return;
    view.channel = match[1];
    openThread(match[1], match[2]);
  });

  function renderThread() {
    const pane = $('thread');
    const layout = $('app');
    const parent =
      view.thread &&
      view.snapshot.messages.find((m) => m.channel === view.thread.channel && m.ts === view.thread.ts);
    if (!parent) {
      pane.hidden = true;
      layout.classList.remove('with-thread');
      return;
    }
    pane.hidden = false;
    layout.classList.add('with-thread');
    $('thread-channel').textContent = conversationById(parent.channel)?.label || parent.channel;
    const replies = view.snapshot.messages
      .filter((m) => m.channel === parent.channel && m.threadTs === parent.ts)
      .concat(
        view.snapshot.ephemerals.filter((e) => e.channel === parent.channel && e.threadTs === parent.ts),
      )
      .sort((a, b) => (a.ts < b.ts ? -1 : 1));
    const container = $('thread-messages');
    const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
    container.replaceChildren(
      renderMessage(parent, { replies: 0 }),
      el('hr', { className: 'divider' }),
      el('div', {
        className: 'thread-count',
        text: `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`,
      }),
      ...replies.map((reply) => renderMessage(reply, { replies: 0 })),
    );
    if (atBottom) container.scrollTop = container.scrollHeight;
  }

  // ---- modals (views.open) --------------------------------------------------------------------------

  function renderModal() {
    const backdrop = $('modal');
    const modal = view.snapshot.modal;
    if (!modal) {
      backdrop.hidden = true;
      backdrop.replaceChildren();
      delete backdrop.dataset.viewId;
      delete backdrop.dataset.hash;
      return;
    }
    // Same view as on screen: keep what the person typed, refresh the errors only. A views.update (new
    // hash, same id) or a pushed view rebuilds it, keeping what was typed in inputs that still exist.
    if (backdrop.dataset.viewId !== modal.id || backdrop.dataset.hash !== modal.hash) {
      const typed = backdrop.dataset.viewId === modal.id ? valuesIn(backdrop) : {};
      buildModal(backdrop, modal);
      restoreValues(backdrop, typed);
    }
    for (const node of backdrop.querySelectorAll('[data-error-for]')) {
      node.textContent = modal.errors?.[node.dataset.errorFor] || '';
      node.closest('.modal-field')?.classList.toggle('has-error', Boolean(node.textContent));
    }
    backdrop.hidden = false;
  }

  function restoreValues(container, typed) {
    for (const input of container.querySelectorAll('[data-action-id][data-element]')) {
      const value = typed[input.dataset.blockId]?.[input.dataset.actionId];
      if (value === undefined || value === null) continue;
      if (input.tagName === 'SELECT') {
        const wanted = new Set([].concat(value));
        for (const option of input.options) option.selected = wanted.has(option.value);
      } else input.value = value;
    }
  }

  function buildModal(backdrop, modal) {
    const v = modal.view;
    const text = (t, fallback) => t?.text || fallback;
    let form;
    const surface = { kind: 'view', viewId: modal.id, values: () => valuesIn(form) };
    const blocks = (v.blocks || []).map((block, index) => renderBlock(block, surface, index));
    const close = async () => {
      await api('/local/view', {
        userId: view.me,
        viewId: modal.id,
        cancel: true,
        values: valuesIn(form),
      }).catch(() => {});
    };
    const submit = v.submit
      ? el('button', { type: 'submit', className: 'primary', text: text(v.submit, 'Submit') })
      : null;
    const depth = view.snapshot.modalDepth || 1;
    form = el(
      'form',
      {
        className: 'modal',
        role: 'dialog',
        'aria-label': text(v.title, 'Modal'),
        dataset: { callbackId: v.callback_id || '', depth: String(depth) },
      },
      [
        el('header', { className: 'modal-header' }, [
          depth > 1
            ? el('button', {
                type: 'button',
                className: 'back',
                text: '‹',
                'aria-label': 'Back',
                onclick: close,
              })
            : null,
          el('h2', { text: emojify(text(v.title, '')) }),
          el('button', {
            type: 'button',
            className: 'close',
            'aria-label': 'Close',
            text: '×',
            onclick: close,
          }),
        ]),
        el('div', { className: 'modal-body' }, [
          ...blocks,
          el('div', { className: 'modal-error', dataset: { errorFor: '' } }),
        ]),
        el('footer', { className: 'modal-footer' }, [
          el('button', {
            type: 'button',
            className: 'default',
            text: text(v.close, depth > 1 ? 'Back' : 'Cancel'),
            onclick: close,
          }),
          submit,
        ]),
      ],
    );
    // Escape closes the view, as Slack's does (the Cancel button's path).
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') close();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!submit) return;
      submit.disabled = true;
      try {
        await api('/local/view', { userId: view.me, viewId: modal.id, values: valuesIn(form) });
      } catch (error) {
        toast(`Not submitted: ${error.message}`);
      } finally {
        submit.disabled = false;
      }
    });
    backdrop.replaceChildren(form);
    backdrop.dataset.viewId = modal.id;
    backdrop.dataset.hash = modal.hash || '';
    const first = form.querySelector('.modal-input');
    if (first) setTimeout(() => first.focus(), 0);
  }

  // ---- the Home tab (views.publish) -----------------------------------------------------------------

  function renderHome() {
    const snapshot = view.snapshot;
    const home = snapshot.home;
    $('channel-name').textContent = snapshot.app.name;
    $('channel-topic').textContent = 'Home';
    $('composer-form').hidden = true;
    const container = $('messages');
    if (!home) {
      container.replaceChildren(
        el('div', {
          className: 'empty',
          text: `${snapshot.app.name} has not published a Home tab for you yet.`,
        }),
      );
      delete container.dataset.viewId;
      return;
    }
    // Re-render only when the app published a new version, so a half-filled select survives refreshes.
    if (container.dataset.viewId === home.id && container.dataset.hash === home.hash) return;
    const typed = container.dataset.viewId === home.id ? valuesIn(container) : {};
    const surface = { kind: 'view', viewId: home.id, values: () => valuesIn(container) };
    container.replaceChildren(
      el(
        'div',
        { className: 'home-view blocks', dataset: { viewId: home.id } },
        (home.view.blocks || []).map((block, index) => renderBlock(block, surface, index)),
      ),
    );
    restoreValues(container, typed);
    container.dataset.viewId = home.id;
    container.dataset.hash = home.hash;
    container.dataset.channel = 'home';
  }

  // ---- input ----------------------------------------------------------------------------------------

  async function send(textarea, threadTs) {
    const text = textarea.value.trim();
    if (!text) return;
    textarea.value = '';
    try {
      await api('/local/command', {
        userId: view.me,
        channelId: threadTs ? view.thread.channel : view.channel,
        text,
        threadTs,
      });
    } catch (error) {
      if (error.message !== 'unknown command') toast(`Not sent: ${error.message}`);
    }
  }

  function wireComposer(form, textarea, threadTs) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      send(textarea, threadTs());
    });
    textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        send(textarea, threadTs());
      }
    });
  }

  wireComposer($('composer-form'), $('composer'), () => undefined);
  wireComposer($('thread-form'), $('thread-composer'), () => view.thread?.ts);
  $('identity').addEventListener('change', (event) => {
    view.me = event.target.value;
    refresh();
  });
  // The ⚡ menu: the app's global shortcuts, each sent as a signed `shortcut` payload.
  $('shortcuts').addEventListener('click', (event) => {
    event.preventDefault();
    const menu = $('shortcut-menu');
    if (!menu.hidden) {
      menu.hidden = true;
      return;
    }
    menu.replaceChildren(
      ...(view.snapshot.app.shortcuts || []).map((shortcut) =>
        el('button', {
          type: 'button',
          dataset: { callbackId: shortcut.callbackId },
          title: shortcut.description || '',
          text: shortcut.name,
          onclick: async () => {
            menu.hidden = true;
            try {
              await api('/local/shortcut', { userId: view.me, callbackId: shortcut.callbackId });
            } catch (error) {
              toast(`Shortcut not delivered: ${error.message}`);
            }
          },
        }),
      ),
    );
    menu.hidden = false;
  });
  $('thread-close').addEventListener('click', () => {
    view.thread = null;
    render();
  });

  refresh().then(listen);
})();
